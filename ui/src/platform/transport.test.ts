import { describe, expect, it, vi } from 'vitest';
import { observable } from './observable';
import { createTransport, type TransportDeps, type WsFactoryOptions } from './transport';
import { createWsBackend, type SocketLike } from './ws';
import type { Backend, ConnectionState, HubMessage, MessageHandler } from './types';
import { createHubChoice, createHubTokens, HUB_KEY } from '../lib/hub';
import { memStorage } from '../testing/memStorage';

const PAGE = 'http://127.0.0.1:8080';
const A = 'http://192.168.1.20:8080';
const B = 'http://localhost:8080';
const TOKEN_PAGE = 'p'.repeat(64);
const TOKEN_A = 'a'.repeat(64);

/** A fake backend recording its subscribers, reconnects and stop. */
function fakeBackend(label: string) {
  const handlers = new Set<MessageHandler>();
  const b = {
    label,
    handlers,
    reconnects: 0,
    stopped: false,
    subscribe(h: MessageHandler) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    reconnect() {
      b.reconnects++;
      for (const h of [...handlers]) h({ type: 'resync' });
    },
    stop() {
      b.stopped = true;
    },
    emit(msg: HubMessage) {
      for (const h of [...handlers]) h(msg);
    },
  };
  return b;
}
type Fake = ReturnType<typeof fakeBackend>;

function setup(opts: { inWindow?: boolean; storage?: ReturnType<typeof memStorage> } = {}) {
  const s = opts.storage ?? memStorage();
  const ws: (Fake & { opts: WsFactoryOptions })[] = [];
  const tauri = fakeBackend('ipc');
  const makeTauri = vi.fn(async () => tauri as unknown as Backend);
  const deps: TransportDeps = {
    inWindow: opts.inWindow ?? false,
    pageOrigin: PAGE,
    choice: createHubChoice(s),
    tokens: createHubTokens(PAGE, s),
    state: observable<ConnectionState>('connecting'),
    makeWs: (o) => {
      const b = Object.assign(fakeBackend(o.origin), { opts: o });
      ws.push(b);
      return b as unknown as Backend;
    },
    makeTauri,
  };
  return { t: createTransport(deps), deps, ws, tauri, makeTauri, s };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('transport: which hub', () => {
  it('uses the page’s hub in a browser, and the chosen hub once set, with that hub’s token only', async () => {
    const s = memStorage({ 'purehealth.deviceToken': TOKEN_PAGE });
    const { t, ws } = setup({ storage: s });
    const got: HubMessage[] = [];
    t.subscribe((m) => got.push(m));
    await flush();
    expect(ws.map((b) => b.opts.origin)).toEqual([PAGE]);
    expect(ws[0].opts.token()).toBe(TOKEN_PAGE); // the old single token, migrated to the page's hub
    expect(t.target()).toBe(PAGE);

    t.setHub(A);
    await flush();
    expect(ws.map((b) => b.opts.origin)).toEqual([PAGE, A]);
    expect(ws[0].stopped).toBe(true);
    expect(ws[0].handlers.size).toBe(0);
    expect(ws[1].handlers.size).toBe(1);
    expect(ws[1].opts.token()).toBeNull(); // never the page hub's token
    expect(t.hub.get()).toBe(A);
    expect(s.m.get(HUB_KEY)).toBe(A);

    // Pairing with A stores A's token; the page hub keeps its own.
    t.setToken(TOKEN_A);
    await flush();
    expect(ws[1].reconnects).toBe(1);
    expect(ws[1].opts.token()).toBe(TOKEN_A);
    expect(ws[0].opts.token()).toBe(TOKEN_PAGE);
    expect(t.token()).toBe(TOKEN_A);

    // Messages now come from A only.
    ws[0].emit({ type: 'resync' });
    ws[1].emit({ type: 'resync' });
    expect(got).toEqual([{ type: 'resync' }, { type: 'resync' }]);

    // Back to this device: a fresh connection to the page's hub, with its token.
    t.setHub(null);
    await flush();
    expect(ws.map((b) => b.opts.origin)).toEqual([PAGE, A, PAGE]);
    expect(ws[1].stopped).toBe(true);
    expect(ws[2].opts.token()).toBe(TOKEN_PAGE);
    expect(s.m.has(HUB_KEY)).toBe(false);
    expect(t.target()).toBe(PAGE);
  });

  it('starts on the stored hub and unsubscribes from whichever backend is current', async () => {
    const { t, ws } = setup({ storage: memStorage({ [HUB_KEY]: A }) });
    const h = vi.fn();
    const stop = t.subscribe(h);
    await flush();
    expect(ws.map((b) => b.opts.origin)).toEqual([A]);
    t.setHub(B);
    await flush();
    expect(ws[1].handlers.size).toBe(1);
    stop();
    expect(ws[1].handlers.size).toBe(0);
    ws[1].emit({ type: 'resync' });
    expect(h).not.toHaveBeenCalled();
  });

  it('reconnects instead of switching when the same hub is chosen again', async () => {
    const { t, ws } = setup();
    t.subscribe(() => {});
    t.setHub(A);
    t.setHub('http://192.168.1.20:8080/');
    await flush();
    expect(ws.map((b) => b.opts.origin)).toEqual([PAGE, A]);
    expect(ws[1].reconnects).toBe(1);
  });

  it('in the window: IPC for this device (no token), WebSocket for another hub, IPC reused on return', async () => {
    const { t, ws, tauri, makeTauri } = setup({ inWindow: true });
    const got: HubMessage[] = [];
    t.subscribe((m) => got.push(m));
    await flush();
    expect(makeTauri).toHaveBeenCalledTimes(1);
    expect(tauri.handlers.size).toBe(1);
    expect(t.target()).toBeNull();
    expect(t.token()).toBeNull();
    t.setToken(TOKEN_A); // nothing to store for the window's own core
    expect(t.token()).toBeNull();

    t.setHub(A);
    await flush();
    expect(tauri.handlers.size).toBe(0);
    expect(tauri.stopped).toBe(false); // kept for switching back
    expect(ws.map((b) => b.opts.origin)).toEqual([A]);
    expect(ws[0].handlers.size).toBe(1);

    t.setHub(null);
    await flush();
    expect(makeTauri).toHaveBeenCalledTimes(1);
    expect(ws[0].stopped).toBe(true);
    expect(tauri.handlers.size).toBe(1);
    // The reused IPC backend is asked for a resync after the handlers are back.
    expect(tauri.reconnects).toBe(1);
    expect(got).toEqual([{ type: 'resync' }]);
  });

  it('opens nothing before anyone asks', () => {
    const { t, ws } = setup();
    t.setHub(A);
    expect(ws).toHaveLength(0);
    void t.backend();
    expect(ws.map((b) => b.opts.origin)).toEqual([A]);
  });
});

describe('transport with the real WebSocket backend', () => {
  it('sends the chosen hub’s token to that hub only (REST and /ws)', async () => {
    const s = memStorage({ 'purehealth.deviceTokens': JSON.stringify({ [PAGE]: TOKEN_PAGE, [A]: TOKEN_A }) });
    const sockets: { url: string; s: SocketLike }[] = [];
    const fetches: { url: string; auth: string | undefined }[] = [];
    const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      fetches.push({ url: String(url), auth: (init?.headers as Record<string, string>)?.authorization });
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const state = observable<ConnectionState>('connecting');
    const t = createTransport({
      inWindow: false,
      pageOrigin: PAGE,
      choice: createHubChoice(s),
      tokens: createHubTokens(PAGE, s),
      state,
      makeWs: (o) =>
        createWsBackend({
          ...o,
          fetch: fetch as unknown as typeof globalThis.fetch,
          createSocket: (url) => {
            const sock: SocketLike = { readyState: 0, onopen: null, onclose: null, onerror: null, onmessage: null, send() {}, close() {} };
            sockets.push({ url, s: sock });
            return sock;
          },
        }),
      makeTauri: () => Promise.reject(new Error('not in a window')),
    });
    t.subscribe(() => {});
    await (await t.backend()).listStations();
    t.setHub(B);
    await (await t.backend()).listStations();
    t.setHub(A);
    await (await t.backend()).listStations();
    expect(fetches).toEqual([
      { url: `${PAGE}/api/stations`, auth: `Bearer ${TOKEN_PAGE}` },
      { url: `${B}/api/stations`, auth: undefined },
      { url: `${A}/api/stations`, auth: `Bearer ${TOKEN_A}` },
    ]);
    expect(sockets.map((x) => x.url)).toEqual([
      `ws://127.0.0.1:8080/ws?token=${TOKEN_PAGE}`,
      'ws://localhost:8080/ws',
      `ws://192.168.1.20:8080/ws?token=${TOKEN_A}`,
    ]);
    expect(state.get()).toBe('connecting');
  });
});

describe('transport: announcing a switch', () => {
  it('announces the new hub only once requests go there', async () => {
    const { t, ws } = setup();
    t.subscribe(() => {});
    await flush();
    const seen: string[] = [];
    t.hub.subscribe((h) => {
      if (h === null) return;
      // A store reloading on the change (App does) must already reach the new hub.
      void t.backend().then((b) => seen.push((b as unknown as Fake).label));
      seen.push(`token for ${t.target()}`);
    });
    t.setHub(A);
    await flush();
    expect(seen).toEqual([`token for ${A}`, A]);
    expect(ws.map((b) => b.label)).toEqual([PAGE, A]);
  });
});

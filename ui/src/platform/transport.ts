// Which backend is in use, and switching it. "This device" is the Tauri core over IPC in the
// window, or the hub that served the page in a browser; a chosen hub address is always
// fetch + WebSocket against that origin. Switching stops the old connection, opens one to the
// new hub (whose first `resync` makes the stores reload) and moves every live subscriber over.
// Tokens are looked up by the origin a request goes to, so a token never reaches another hub.
import { observable, type Writable } from './observable';
import type { Backend, ConnectionState, MessageHandler, Readable } from './types';
import type { HubChoice, HubTokens } from '../lib/hub';

export interface WsFactoryOptions {
  origin: string;
  state: Writable<ConnectionState>;
  token: () => string | null;
}

export interface TransportDeps {
  /** Inside the Tauri window (this device = IPC). */
  inWindow: boolean;
  /** The page's own origin (this device in a browser). */
  pageOrigin: string;
  choice: HubChoice;
  tokens: HubTokens;
  state: Writable<ConnectionState>;
  makeWs: (o: WsFactoryOptions) => Backend;
  makeTauri: (state: Writable<ConnectionState>) => Promise<Backend>;
}

export interface Transport {
  backend(): Promise<Backend>;
  subscribe(handler: MessageHandler): () => void;
  /** The chosen hub's origin; null = this device. */
  hub: Readable<string | null>;
  /** The origin requests go to; null = the window's own core over IPC. */
  target(): string | null;
  /** Switches to `origin` (null = this device), persists the choice and reconnects. */
  setHub(origin: string | null): void;
  /** The token for the hub in use (none over IPC). */
  token(): string | null;
  /** Stores (null: forgets) the token for the hub in use and reconnects with it. */
  setToken(token: string | null): void;
}

interface Current {
  backend: Promise<Backend>;
  /** The backend, once known (WebSocket backends are built synchronously). */
  ready: Backend | null;
  /** The window's IPC backend: kept (never stopped) when switching away. */
  ipc: boolean;
  /** The IPC backend again: it is already listening, so it must be asked for a resync. */
  reused: boolean;
  unsubs: Map<MessageHandler, () => void>;
}

export function createTransport(d: TransportDeps): Transport {
  const hub = observable<string | null>(d.choice.get());
  const handlers = new Set<MessageHandler>();
  let current: Current | null = null;
  // The window's IPC backend is kept for switching back: its event listener stays registered.
  let tauri: Promise<Backend> | null = null;

  const targetOf = (origin: string | null): string | null => origin ?? (d.inWindow ? null : d.pageOrigin);

  function open(origin: string | null): Current {
    const t = targetOf(origin);
    if (t === null) {
      const reused = tauri !== null;
      tauri ??= d.makeTauri(d.state);
      const c: Current = { backend: tauri, ready: null, ipc: true, reused, unsubs: new Map() };
      void tauri.then((b) => (c.ready = b), () => {});
      return c;
    }
    const b = d.makeWs({ origin: t, state: d.state, token: () => d.tokens.get(t) });
    return { backend: Promise.resolve(b), ready: b, ipc: false, reused: false, unsubs: new Map() };
  }

  function ensure(): Current {
    current ??= open(hub.get());
    return current;
  }

  function attach(c: Current, h: MessageHandler) {
    const add = (b: Backend) => {
      if (current === c && handlers.has(h) && !c.unsubs.has(h)) c.unsubs.set(h, b.subscribe(h));
    };
    if (c.ready) add(c.ready);
    else void c.backend.then(add, () => {});
  }

  function detach(c: Current) {
    for (const u of c.unsubs.values()) u();
    c.unsubs.clear();
  }

  return {
    backend: () => ensure().backend,
    subscribe(h) {
      handlers.add(h);
      attach(ensure(), h);
      return () => {
        handlers.delete(h);
        const u = current?.unsubs.get(h);
        current?.unsubs.delete(h);
        u?.();
      };
    },
    hub: { subscribe: hub.subscribe, get: hub.get },
    target: () => targetOf(hub.get()),
    setHub(origin) {
      d.choice.set(origin);
      const next = d.choice.get();
      const old = current;
      if (next === hub.get()) {
        // Same hub: just reconnect (e.g. after it came back).
        if (old) void old.backend.then((b) => b.reconnect?.(), () => {});
        return;
      }
      if (old) {
        detach(old);
        // WebSocket backends are per hub and stopped; the IPC backend is kept.
        if (!old.ipc) old.ready?.stop?.();
      }
      current = null;
      if (old || handlers.size > 0) {
        const c = (current = open(next));
        for (const h of handlers) attach(c, h);
        // After the handlers are attached (reactions run in order), so they get the resync.
        if (c.reused) void c.backend.then((b) => current === c && b.reconnect?.(), () => {});
      }
      // Announced last: whoever reloads on the change already reaches the new hub.
      hub.set(next);
    },
    token() {
      const t = targetOf(hub.get());
      return t === null ? null : d.tokens.get(t);
    },
    setToken(token) {
      const t = targetOf(hub.get());
      if (t === null) return;
      d.tokens.set(t, token);
      void current?.backend.then((b) => b.reconnect?.(), () => {});
    },
  };
}

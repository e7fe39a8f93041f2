import { describe, expect, it, vi } from 'vitest';
import { HUB_KEY, HubProbeError, TOKENS_KEY, createHubChoice, createHubTokens, hubLabel, parseHubAddress, probeHub } from './hub';
import { TOKEN_KEY } from './pairing';
import { memStorage } from '../testing/memStorage';

const A = 'http://192.168.1.20:8080';
const B = 'http://hub.local:8080';
const PAGE = 'http://127.0.0.1:8080';
const TOKEN_A = 'a'.repeat(64);
const TOKEN_B = 'b'.repeat(64);

describe('parseHubAddress', () => {
  const origin = (raw: string) => {
    const p = parseHubAddress(raw);
    return p.ok ? p.origin : `!${p.problem}:${p.detail}`;
  };

  it('defaults the scheme to http, keeps the port and drops path, query and fragment', () => {
    expect(origin('192.168.1.20:8080')).toBe(A);
    expect(origin('  192.168.1.20:8080/  ')).toBe(A);
    expect(origin('http://hub.local:8080')).toBe(B);
    expect(origin('HTTP://Hub.Local:8080/#/pair/123456')).toBe(B);
    expect(origin('hub.local:8080/api/stations?x=1')).toBe(B);
    expect(origin('localhost:8080')).toBe('http://localhost:8080');
    expect(origin('https://hub.example.org')).toBe('https://hub.example.org');
    expect(origin('https://hub.example.org:8443/x')).toBe('https://hub.example.org:8443');
    expect(origin('http://hub.local:80')).toBe('http://hub.local');
    expect(origin('hub')).toBe('http://hub');
    expect(origin('[fd00::5]:8080')).toBe('http://[fd00::5]:8080');
    expect(origin('http://[::1]')).toBe('http://[::1]');
  });

  it('means this device when empty', () => {
    expect(parseHubAddress('')).toEqual({ ok: true, origin: null });
    expect(parseHubAddress('   ')).toEqual({ ok: true, origin: null });
  });

  it('names what is wrong', () => {
    expect(parseHubAddress('ftp://hub.local')).toEqual({ ok: false, problem: 'scheme', detail: 'ftp://' });
    expect(parseHubAddress('ws://hub.local:8080')).toMatchObject({ ok: false, problem: 'scheme', detail: 'ws://' });
    expect(parseHubAddress('http://ops:secret@hub.local')).toEqual({ ok: false, problem: 'credentials', detail: 'ops:secret@' });
    expect(parseHubAddress('hub.local:80800')).toEqual({ ok: false, problem: 'port', detail: '80800' });
    expect(parseHubAddress('hub.local:0')).toEqual({ ok: false, problem: 'port', detail: '0' });
    expect(parseHubAddress('hub.local:http')).toEqual({ ok: false, problem: 'port', detail: 'http' });
    expect(parseHubAddress('hub.local:')).toEqual({ ok: false, problem: 'port', detail: '' });
    expect(parseHubAddress('999.1.1.1:8080')).toEqual({ ok: false, problem: 'host', detail: '999.1.1.1' });
    expect(parseHubAddress('192.168.1:8080')).toEqual({ ok: false, problem: 'host', detail: '192.168.1' });
    expect(parseHubAddress('hub_1.local')).toEqual({ ok: false, problem: 'host', detail: 'hub_1.local' });
    expect(parseHubAddress('http://')).toMatchObject({ ok: false, problem: 'host' });
    expect(parseHubAddress(':8080')).toMatchObject({ ok: false, problem: 'host' });
    expect(parseHubAddress('fd00::5')).toEqual({ ok: false, problem: 'host', detail: 'fd00::5' });
    expect(parseHubAddress('[fd00::5')).toMatchObject({ ok: false, problem: 'host' });
    expect(parseHubAddress('[zz::1]:80')).toMatchObject({ ok: false, problem: 'host' });
    expect(parseHubAddress('hub local')).toMatchObject({ ok: false, problem: 'host', detail: 'hub local' });
    expect(parseHubAddress('javascript:alert(1)')).toMatchObject({ ok: false, problem: 'port' });
    expect(parseHubAddress('-hub.local')).toMatchObject({ ok: false, problem: 'host' });
  });

  it('labels hubs without the default scheme', () => {
    expect(hubLabel(A)).toBe('192.168.1.20:8080');
    expect(hubLabel('https://hub.example.org')).toBe('https://hub.example.org');
  });
});

describe('hub choice', () => {
  it('persists the normalised origin and forgets it for this device', () => {
    const s = memStorage();
    const c = createHubChoice(s);
    expect(c.get()).toBeNull();
    c.set('http://192.168.1.20:8080/x');
    expect(s.m.get(HUB_KEY)).toBe(A);
    expect(createHubChoice(s).get()).toBe(A);
    c.set(null);
    expect(s.m.has(HUB_KEY)).toBe(false);
    expect(c.get()).toBeNull();
  });

  it('ignores a corrupt entry and works without storage', () => {
    expect(createHubChoice(memStorage({ [HUB_KEY]: 'ftp://x' })).get()).toBeNull();
    const none = createHubChoice(null);
    none.set(B);
    expect(none.get()).toBe(B);
  });
});

describe('per-hub tokens', () => {
  it('keeps one token per hub origin and never hands one hub another hub’s token', () => {
    const s = memStorage();
    const tokens = createHubTokens(PAGE, s);
    tokens.set(A, TOKEN_A);
    expect(tokens.get(A)).toBe(TOKEN_A);
    expect(tokens.get(B)).toBeNull();
    expect(tokens.get(PAGE)).toBeNull();
    tokens.set(B, TOKEN_B);
    expect(JSON.parse(s.m.get(TOKENS_KEY)!)).toEqual({ [A]: TOKEN_A, [B]: TOKEN_B });
    tokens.set(A, null);
    expect(tokens.get(A)).toBeNull();
    expect(tokens.get(B)).toBe(TOKEN_B);
    tokens.set(B, null);
    expect(s.m.has(TOKENS_KEY)).toBe(false);
  });

  it('migrates the single token of earlier versions to the page’s own hub, once', () => {
    const s = memStorage({ [TOKEN_KEY]: TOKEN_A });
    const tokens = createHubTokens(PAGE, s);
    expect(tokens.get(PAGE)).toBe(TOKEN_A);
    expect(tokens.get(A)).toBeNull();
    expect(s.m.has(TOKEN_KEY)).toBe(false);
    // Forgotten (revoked) stays forgotten on the next load.
    tokens.set(PAGE, null);
    expect(createHubTokens(PAGE, s).get(PAGE)).toBeNull();
  });

  it('does not let the old token overwrite a newer one for the page’s hub', () => {
    const s = memStorage({ [TOKEN_KEY]: TOKEN_A, [TOKENS_KEY]: JSON.stringify({ [PAGE]: TOKEN_B }) });
    expect(createHubTokens(PAGE, s).get(PAGE)).toBe(TOKEN_B);
    expect(s.m.has(TOKEN_KEY)).toBe(false);
  });

  it('reads storage on every get (another tab’s pairing counts) and ignores junk', () => {
    const s = memStorage({ [TOKENS_KEY]: '{"x": 1' });
    const tokens = createHubTokens(PAGE, s);
    expect(tokens.get(A)).toBeNull();
    s.m.set(TOKENS_KEY, JSON.stringify({ [A]: TOKEN_A, [B]: 'not a token!' }));
    expect(tokens.get(A)).toBe(TOKEN_A);
    expect(tokens.get(B)).toBeNull();
  });

  it('falls back to memory without storage or when writing fails', () => {
    const none = createHubTokens(PAGE, null);
    none.set(A, TOKEN_A);
    expect(none.get(A)).toBe(TOKEN_A);
    expect(none.get(B)).toBeNull();
    const full = memStorage();
    full.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const tokens = createHubTokens(PAGE, full);
    tokens.set(A, TOKEN_A);
    expect(tokens.get(A)).toBe(TOKEN_A);
    expect(tokens.get(B)).toBeNull();
  });
});

describe('probeHub', () => {
  const reply = (status: number, body: string, type = 'application/json') =>
    new Response(body, { status, headers: { 'content-type': type } });

  it('asks /health without a token and reports version, stations and status', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) =>
      reply(200, JSON.stringify({ status: 'healthy', version: '0.1.0', stations: 12 })),
    );
    let t = 100;
    const p = await probeHub(A, { fetch: fetch as unknown as typeof globalThis.fetch, now: () => (t += 7) });
    expect(p).toEqual({ origin: A, version: '0.1.0', status: 'healthy', stations: 12, ms: 7 });
    expect(String(fetch.mock.calls[0][0])).toBe(`${A}/health`);
    const headers = fetch.mock.calls[0][1]?.headers as Record<string, string>;
    expect(Object.keys(headers).map((k) => k.toLowerCase())).not.toContain('authorization');
  });

  it('rejects with the exact cause', async () => {
    const fail = async (f: () => Promise<Response>) => {
      try {
        await probeHub(A, { fetch: f as unknown as typeof globalThis.fetch, timeoutMs: 50 });
      } catch (e) {
        return e as HubProbeError;
      }
      throw new Error('resolved');
    };
    const net = await fail(() => Promise.reject(new TypeError('Failed to fetch')));
    expect([net.kind, net.message]).toEqual(['network', `${A}/health: Failed to fetch`]);
    const http = await fail(async () => reply(502, 'bad gateway', 'text/plain'));
    expect([http.kind, http.status]).toEqual(['http', 502]);
    expect(http.message).toContain('HTTP 502');
    const html = await fail(async () => reply(200, '<!doctype html>', 'text/html'));
    expect(html.kind).toBe('not_hub');
    expect(html.message).toContain('text/html');
    const other = await fail(async () => reply(200, '{"hello":"world"}'));
    expect(other.kind).toBe('not_hub');
    const slow = await fail(
      () =>
        new Promise((_res, rej) => {
          setTimeout(() => rej(new DOMException('aborted', 'AbortError')), 200);
        }),
    );
    expect(slow.kind).toBe('timeout');
  });
});

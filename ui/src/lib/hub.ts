// Which hub this app talks to, the pure parts: the "hub address" setting (normalised and
// checked before use), device tokens kept per hub origin (a token from hub A is never sent to
// hub B), and the test of a hub (`GET {hub}/health`) done before switching to it.
import { TOKEN_KEY, validToken } from './pairing';

/** localStorage: the chosen hub's origin; absent = this device. */
export const HUB_KEY = 'purehealth.hubAddress';
/** localStorage: `{ "<hub origin>": "<device token>" }`. */
export const TOKENS_KEY = 'purehealth.deviceTokens';
/** How long the test of a hub may take. */
export const PROBE_TIMEOUT_MS = 6000;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function browserStorage(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // e.g. storage disabled
  }
}

/** What is wrong with an address: the scheme, a user name in it, the host or the port. */
export type AddressProblem = 'scheme' | 'credentials' | 'host' | 'port';

export type ParsedAddress =
  /** `origin` null = empty input = this device. */
  | { ok: true; origin: string | null }
  | { ok: false; problem: AddressProblem; detail: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function validHost(host: string): boolean {
  if (host.startsWith('[')) {
    if (!/^\[[0-9a-f:.]+\]$/i.test(host)) return false;
    try {
      return new URL(`http://${host}/`).hostname !== '';
    } catch {
      return false;
    }
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (!name || name.length > 253) return false;
  const labels = name.split('.');
  // All-numeric names are IPv4 addresses: four numbers of 0–255.
  if (labels.every((l) => /^\d+$/.test(l))) return labels.length === 4 && labels.every((l) => Number(l) <= 255);
  return labels.every((l) => LABEL.test(l));
}

/**
 * Reads a hub address as typed: `192.168.1.20:8080`, `hub.local:8080`, `http://hub.local:8080/x`,
 * `https://[fd00::5]:8443`. The scheme defaults to http, the port is kept, any path, query or
 * fragment is dropped; the result is the hub's origin. Empty = this device.
 */
export function parseHubAddress(raw: string): ParsedAddress {
  const text = raw.trim();
  if (!text) return { ok: true, origin: null };
  if (/\s/.test(text)) return { ok: false, problem: 'host', detail: text };
  let scheme = 'http';
  let rest = text;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = text.slice(m[0].length);
    if (scheme !== 'http' && scheme !== 'https') return { ok: false, problem: 'scheme', detail: `${scheme}://` };
  }
  const authority = rest.split(/[/?#]/, 1)[0];
  if (authority.includes('@')) return { ok: false, problem: 'credentials', detail: authority.slice(0, authority.lastIndexOf('@') + 1) };
  let host = authority;
  let port: string | null = null;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return { ok: false, problem: 'host', detail: authority };
    host = authority.slice(0, end + 1);
    const after = authority.slice(end + 1);
    if (after && !after.startsWith(':')) return { ok: false, problem: 'host', detail: authority };
    if (after) port = after.slice(1);
  } else if (authority.split(':').length > 2) {
    // An IPv6 address needs brackets: [fd00::5]:8080.
    return { ok: false, problem: 'host', detail: authority };
  } else if (authority.includes(':')) {
    [host, port] = authority.split(':');
  }
  if (!host) return { ok: false, problem: 'host', detail: authority || text };
  if (!validHost(host)) return { ok: false, problem: 'host', detail: host };
  if (port !== null && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return { ok: false, problem: 'port', detail: port };
  }
  try {
    const origin = new URL(`${scheme}://${host}${port !== null ? `:${Number(port)}` : ''}/`).origin;
    return origin && origin !== 'null' ? { ok: true, origin } : { ok: false, problem: 'host', detail: host };
  } catch {
    return { ok: false, problem: 'host', detail: host };
  }
}

/** `192.168.1.20:8080` for `http://192.168.1.20:8080`; https origins keep their scheme. */
export function hubLabel(origin: string): string {
  return origin.startsWith('http://') ? origin.slice('http://'.length) : origin;
}

/** The chosen hub, persisted. */
export interface HubChoice {
  /** The hub's origin, or null for this device. */
  get(): string | null;
  set(origin: string | null): void;
}

export function createHubChoice(s: Store | null = browserStorage()): HubChoice {
  let memory: string | null = null;
  const read = (): string | null => {
    try {
      const v = s?.getItem(HUB_KEY) ?? null;
      if (v === null) return memory;
      const p = parseHubAddress(v);
      return p.ok ? p.origin : null; // an edited or corrupt entry falls back to this device
    } catch {
      return memory;
    }
  };
  memory = read();
  return {
    get: read,
    set(origin) {
      const p = origin === null ? null : parseHubAddress(origin);
      memory = p && p.ok ? p.origin : null;
      try {
        if (memory) s?.setItem(HUB_KEY, memory);
        else s?.removeItem(HUB_KEY);
      } catch {
        /* storage full or disabled: the choice holds for this page */
      }
    },
  };
}

/** Device tokens by hub origin. */
export interface HubTokens {
  get(origin: string): string | null;
  /** Stores the token for `origin`; null forgets it. */
  set(origin: string, token: string | null): void;
}

/**
 * Tokens in `s` under `TOKENS_KEY`, read on every `get` (a pairing made in another tab counts);
 * in memory when storage is unavailable or a write fails. The single token of earlier versions
 * (`purehealth.deviceToken`) was issued by the hub that served the page: it becomes the token of
 * `pageOrigin`, once.
 */
export function createHubTokens(pageOrigin: string, s: Store | null = browserStorage()): HubTokens {
  const memory = new Map<string, string>();
  let useMemory = s === null;
  const readAll = (): Record<string, string> => {
    if (useMemory) return Object.fromEntries(memory);
    try {
      const v = JSON.parse(s?.getItem(TOKENS_KEY) ?? '{}') as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  const writeAll = (all: Record<string, string>): boolean => {
    memory.clear();
    for (const [k, v] of Object.entries(all)) memory.set(k, v);
    if (useMemory) return false;
    try {
      if (Object.keys(all).length) s?.setItem(TOKENS_KEY, JSON.stringify(all));
      else s?.removeItem(TOKENS_KEY);
      return true;
    } catch {
      useMemory = true; // quota or privacy mode: the tokens still apply to this page
      return false;
    }
  };
  try {
    const legacy = s?.getItem(TOKEN_KEY) ?? null;
    const all = readAll();
    for (const [k, v] of Object.entries(all)) memory.set(k, v);
    if (validToken(legacy)) {
      if (!validToken(all[pageOrigin])) all[pageOrigin] = legacy;
      if (writeAll(all)) s?.removeItem(TOKEN_KEY);
    }
  } catch {
    useMemory = true;
  }
  return {
    get(origin) {
      const v = readAll()[origin];
      return validToken(v) ? v : null;
    },
    set(origin, token) {
      const all = readAll();
      if (validToken(token)) all[origin] = token;
      else delete all[origin];
      writeAll(all);
    },
  };
}

/** What a hub said about itself when tested. */
export interface HubProbe {
  origin: string;
  version: string | null;
  status: string | null;
  stations: number | null;
  /** Round trip, ms. */
  ms: number;
}

export type ProbeFailure = 'network' | 'timeout' | 'http' | 'not_hub';

export class HubProbeError extends Error {
  readonly kind: ProbeFailure;
  readonly status: number | null;
  constructor(kind: ProbeFailure, message: string, status: number | null = null) {
    super(message);
    this.name = 'HubProbeError';
    this.kind = kind;
    this.status = status;
  }
}

export interface ProbeOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * `GET {origin}/health` without any token: reachable, and a Pure Health hub? Rejects with a
 * HubProbeError whose message is the exact cause (the browser's network error, the HTTP status,
 * a reply that is not the hub's JSON, or the timeout).
 */
export async function probeHub(origin: string, opts: ProbeOptions = {}): Promise<HubProbe> {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const url = new URL('/health', origin).toString();
  const ctl = typeof AbortController === 'undefined' ? null : new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl?.abort();
  }, timeoutMs);
  const start = now();
  try {
    let res: Response;
    try {
      res = await doFetch(url, { headers: { accept: 'application/json' }, signal: ctl?.signal, cache: 'no-store' });
    } catch (e) {
      if (timedOut) throw new HubProbeError('timeout', `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`);
      throw new HubProbeError('network', `${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) throw new HubProbeError('http', `${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, res.status);
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      throw new HubProbeError('not_hub', `${url} answered, but not with JSON (${res.headers.get('content-type') ?? 'no content type'})`, res.status);
    }
    const o = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
    if (!o || (typeof o.status !== 'string' && typeof o.version !== 'string')) {
      throw new HubProbeError('not_hub', `${url} answered JSON without a hub's status or version`, res.status);
    }
    return {
      origin,
      version: typeof o.version === 'string' ? o.version : null,
      status: typeof o.status === 'string' ? o.status : null,
      stations: typeof o.stations === 'number' && Number.isFinite(o.stations) ? o.stations : null,
      ms: Math.max(0, Math.round(now() - start)),
    };
  } finally {
    clearTimeout(timer);
  }
}

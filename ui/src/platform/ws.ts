// Browser backend: REST via fetch + live updates over one WebSocket to /ws.
//
// Connection lifecycle:
//   connecting --open--> live --close/error--> offline --(backoff)--> connecting ...
// On every open we (re)send `subscribe "*"` and emit a synthetic `resync`
// message so the station store refetches the list. The socket is considered
// live only once `open` fired (the legacy client reported "connected" early).
//
// A paired device's token (see lib/pairing.ts) goes on every request as
// `Authorization: Bearer <token>` and on the WebSocket URL as `?token=` (browsers cannot set
// headers on a WebSocket); `reconnect()` reopens the socket with a new token.
import type { Writable } from './observable';
import { RpcError, toRpcError } from './types';
import type {
  Alarm,
  AlarmState,
  AnomaliesReply,
  AreaKind,
  AreaSummary,
  Backend,
  BackfillProgress,
  BackfillRequest,
  BackfillStarted,
  CatalogueQuery,
  CatalogueReply,
  ComprehensiveReply,
  ConnectionState,
  ConnectorHealth,
  CriteriaProfile,
  ForecastReply,
  ForecastVerificationReply,
  HealthReply,
  HubMessage,
  ImportReply,
  MessageHandler,
  PairReply,
  PairStart,
  PairStatus,
  PairedDevice,
  SatelliteReply,
  Series,
  SeriesReply,
  Station,
  TrendReply,
} from './types';

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 15_000;
export const PING_INTERVAL_MS = 20_000;

/** The subset of the DOM WebSocket we use (so tests can pass a fake). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsOptions {
  /** Page origin, e.g. `http://127.0.0.1:8080`; REST and `/ws` are resolved against it. */
  origin: string;
  state: Writable<ConnectionState>;
  createSocket?: (url: string) => SocketLike;
  /** The device token to present (read on every request and every connect), or null. */
  token?: () => string | null;
  fetch?: typeof fetch;
  /** Returns [0,1); injectable for deterministic backoff tests. */
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (id: unknown) => void;
}

const OPEN = 1;

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling, capped at 15 s, "equal jitter". */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** `ws(s)://<host>/ws`, with `?token=<token>` for a paired device. */
export function wsUrl(origin: string, token?: string | null): string {
  const u = new URL('/ws', origin);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) u.search = `?token=${encodeURIComponent(token)}`;
  return u.toString();
}

/** Parses one text frame. Returns null (and the frame is ignored) unless it is a valid message. */
export function parseFrame(raw: unknown): HubMessage | null {
  if (typeof raw !== 'string') return null;
  try {
    return asMessage(JSON.parse(raw));
  } catch {
    return null;
  }
}

/** Accepts a JSON object with a string `type` (and an object payload where one is required). */
export function asMessage(v: unknown): HubMessage | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string' || type === 'resync') return null;
  const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (type === 'station_update' && !isObj((v as { data?: unknown }).data)) return null;
  if (type === 'alert' && !isObj((v as { alert?: unknown }).alert)) return null;
  if (type === 'prediction_update') {
    const p = v as { forecast?: unknown; forecasts?: unknown; predictions?: unknown };
    if (!isObj(p.forecast) && !Array.isArray(p.forecasts) && !isObj(p.predictions)) return null;
  }
  if (type === 'station_profile') {
    const p = v as { station_id?: unknown; profile?: unknown; station?: unknown };
    if (typeof p.station_id !== 'string' || typeof p.profile !== 'string') return null;
    if (p.station !== undefined && p.station !== null && !isObj(p.station)) return null;
  }
  if (type === 'backfill_progress') {
    const p = v as { job?: unknown; done?: unknown; total?: unknown };
    if (typeof p.job !== 'string' || typeof p.done !== 'number' || typeof p.total !== 'number') return null;
  }
  return v as HubMessage;
}

/** `?q&state&river&limit` with the empty ones left out (the hub's defaults apply). */
export function catalogueSearch(query: CatalogueQuery): string {
  const q = new URLSearchParams();
  const text = query.q?.trim();
  if (text) q.set('q', text);
  if (query.state) q.set('state', query.state);
  if (query.river) q.set('river', query.river);
  if (typeof query.limit === 'number' && Number.isFinite(query.limit)) q.set('limit', String(Math.max(0, Math.floor(query.limit))));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `?days=N` (a whole number of days), or nothing for the hub's default (365). */
export function daysQuery(days?: number): string {
  return typeof days === 'number' && Number.isFinite(days) ? `?days=${Math.floor(days)}` : '';
}

/** `POST /api/backfill` body: `parameters` only for CPCB and only when some are named. */
export function backfillBody(job: BackfillRequest): BackfillRequest {
  const body: BackfillRequest = { source: job.source, station: job.station, from: job.from, to: job.to };
  const codes = (job.parameters ?? []).map((c) => c.trim()).filter(Boolean);
  if (job.source === 'cpcb' && codes.length) body.parameters = codes;
  return body;
}

export interface WsBackend extends Backend {
  /** Closes the socket and stops reconnecting (tests, page unload). */
  stop(): void;
}

export function createWsBackend(opts: WsOptions): WsBackend {
  const createSocket = opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const random = opts.random ?? Math.random;
  const token = () => opts.token?.() ?? null;
  /** Request headers: JSON, plus the device token when there is one. */
  const headers = (extra: Record<string, string> = {}): Record<string, string> => {
    const h: Record<string, string> = { accept: 'application/json', ...extra };
    const tok = token();
    if (tok) h.authorization = `Bearer ${tok}`;
    return h;
  };
  const setT = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clearT = opts.clearTimeout ?? ((id) => clearTimeout(id as ReturnType<typeof setTimeout>));
  const setI = opts.setInterval ?? ((fn, ms) => setInterval(fn, ms));
  const clearI = opts.clearInterval ?? ((id) => clearInterval(id as ReturnType<typeof setInterval>));

  const handlers = new Set<MessageHandler>();
  let socket: SocketLike | null = null;
  let attempt = 0;
  let reconnectTimer: unknown = null;
  let pingTimer: unknown = null;
  let stopped = false;
  let started = false;

  function dispatch(msg: HubMessage) {
    for (const h of [...handlers]) {
      try {
        h(msg);
      } catch (e) {
        console.error('message handler failed', e);
      }
    }
  }

  function send(obj: unknown) {
    if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(obj));
  }

  function connect() {
    reconnectTimer = null;
    if (stopped) return;
    opts.state.set('connecting');
    let s: SocketLike;
    try {
      s = createSocket(wsUrl(opts.origin, token()));
    } catch (e) {
      console.warn('websocket constructor failed', e);
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      attempt = 0;
      opts.state.set('live');
      send({ type: 'subscribe', station_id: '*' });
      clearI(pingTimer);
      pingTimer = setI(() => send({ type: 'ping' }), PING_INTERVAL_MS);
      dispatch({ type: 'resync' });
    };
    s.onmessage = (ev) => {
      if (socket !== s) return;
      const msg = parseFrame(ev.data);
      if (msg) dispatch(msg);
    };
    s.onerror = () => {
      // `close` always follows `error`; reconnect is handled there.
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      clearI(pingTimer);
      pingTimer = null;
      if (stopped) return;
      opts.state.set('offline');
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer !== null) return;
    const delay = backoffDelay(attempt, random);
    attempt += 1;
    reconnectTimer = setT(connect, delay);
  }

  function ensureStarted() {
    if (started || stopped) return;
    started = true;
    connect();
  }

  async function getJson<T>(path: string): Promise<T> {
    const res = await doFetch(new URL(path, opts.origin).toString(), { headers: headers() });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /**
   * The JSON body of a 2xx reply. A hub without the route may answer a POST with its index.html
   * (the asset fallback), so a body that is not JSON is an error naming the path, not a SyntaxError.
   */
  async function readJson<T>(res: Response, path: string): Promise<T> {
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      const type = res.headers.get('content-type') ?? 'no content type';
      throw new RpcError('bad_response', `${path}: HTTP ${res.status} but not JSON (${type}); does this hub support it?`, res.status);
    }
  }

  /**
   * One request; a non-2xx reply becomes an RpcError carrying the hub's `{kind,message}` and the
   * status (401 `unauthorized` = this device may not act), a network failure kind `network`.
   */
  async function request<T>(path: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: unknown): Promise<T> {
    let res: Response;
    try {
      const init: RequestInit = { headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }) };
      if (method !== 'GET') init.method = method;
      if (body !== undefined) init.body = JSON.stringify(body);
      res = await doFetch(new URL(path, opts.origin).toString(), init);
    } catch (e) {
      throw new RpcError('network', e instanceof Error ? e.message : String(e));
    }
    if (!res.ok) {
      let err: RpcError;
      try {
        err = toRpcError(await res.json(), res.status);
      } catch {
        err = new RpcError('http', `${path}: HTTP ${res.status}`, res.status);
      }
      throw err;
    }
    return readJson<T>(res, path);
  }

  /** POSTs `body` as it is (a file), with `content-type`; errors as in `request` (413 = too large). */
  async function postRaw<T>(path: string, body: Blob, contentType: string): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(new URL(path, opts.origin).toString(), { method: 'POST', headers: headers({ 'content-type': contentType }), body });
    } catch (e) {
      throw new RpcError('network', e instanceof Error ? e.message : String(e));
    }
    if (!res.ok) {
      let err: RpcError;
      try {
        err = toRpcError(await res.json(), res.status);
      } catch {
        err = new RpcError(res.status === 413 ? 'too_large' : 'http', `${path}: HTTP ${res.status}`, res.status);
      }
      throw err;
    }
    return readJson<T>(res, path);
  }

  /** Sends `body` as JSON (see `request`). */
  const postJson = <T>(path: string, body: unknown) => request<T>(path, 'POST', body);
  /** GET (see `request`). */
  const getJsonChecked = <T>(path: string) => request<T>(path);

  /** `{by, note}`; a blank `by` is left out, so the hub records a paired device's name (else "operator"). */
  const alarmBody = (by: string, note?: string) => {
    const b: { by?: string; note?: string } = {};
    if (by && by.trim()) b.by = by;
    if (note && note.trim()) b.note = note;
    return b;
  };

  /** `/api/stations/{id}/{what}?parameter=P[&from&to]` (empty `from`/`to` are left out: hub defaults). */
  const analysisPath = (id: string, what: string, parameter: string, from?: string, to?: string) => {
    const q = new URLSearchParams({ parameter });
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    return `/api/stations/${encodeURIComponent(id)}/${what}?${q}`;
  };

  const AREA_PATHS: Record<AreaKind, string> = { river: 'rivers', district: 'districts', state: 'states' };

  return {
    listStations: () => getJson<Station[]>('/api/stations'),
    listAlerts: (state?: AlarmState) =>
      getJsonChecked<Alarm[]>(state ? `/api/alerts?${new URLSearchParams({ state })}` : '/api/alerts'),
    ackAlert: (id, by, note) => postJson<Alarm>(`/api/alerts/${encodeURIComponent(String(id))}/ack`, alarmBody(by, note)),
    resolveAlert: (id, by, note) => postJson<Alarm>(`/api/alerts/${encodeURIComponent(String(id))}/resolve`, alarmBody(by, note)),
    assignAlert: (id, assignee, by) =>
      postJson<Alarm>(`/api/alerts/${encodeURIComponent(String(id))}/assign`, {
        assignee: assignee && assignee.trim() ? assignee.trim() : null,
        ...(by && by.trim() ? { by } : {}),
      }),
    stationReadings(id, parameter, from, to) {
      const q = new URLSearchParams({ parameter, from, to });
      return getJson<Series>(`/api/stations/${encodeURIComponent(id)}/readings?${q}`);
    },
    stationSeries(id, parameter, from, to, resolution = 'auto') {
      const q = new URLSearchParams({ parameter, from, to, resolution });
      return getJsonChecked<SeriesReply>(`/api/stations/${encodeURIComponent(id)}/series?${q}`);
    },
    stationForecast: (id, parameter) => getJsonChecked<ForecastReply>(analysisPath(id, 'forecast', parameter)),
    forecastVerification: (id, parameter) => getJsonChecked<ForecastVerificationReply>(analysisPath(id, 'forecast/verification', parameter)),
    stationTrend: (id, parameter, from, to) => getJsonChecked<TrendReply>(analysisPath(id, 'trend', parameter, from, to)),
    stationAnomalies: (id, parameter, from, to) => getJsonChecked<AnomaliesReply>(analysisPath(id, 'anomalies', parameter, from, to)),
    health: () => getJsonChecked<HealthReply>('/health'),
    sources: () => getJsonChecked<ConnectorHealth[]>('/api/sources'),
    stationComprehensive: (id) => getJsonChecked<ComprehensiveReply>(`/api/stations/${encodeURIComponent(id)}/comprehensive`),
    stationSatellite: (id, days) => getJsonChecked<SatelliteReply>(`/api/stations/${encodeURIComponent(id)}/satellite${daysQuery(days)}`),
    areaSummary: (kind, name) => getJsonChecked<AreaSummary>(`/api/${AREA_PATHS[kind]}/${encodeURIComponent(name)}`),
    catalogue(query: CatalogueQuery = {}) {
      return getJsonChecked<CatalogueReply>(`/api/catalogue${catalogueSearch(query)}`);
    },
    pairStatus: () => getJsonChecked<PairStatus>('/api/pair/status'),
    pairStart: () => postJson<PairStart>('/api/pair/start', {}),
    pair: (code, name) => postJson<PairReply>('/api/pair', { code, name }),
    listDevices: () => getJsonChecked<PairedDevice[]>('/api/devices'),
    revokeDevice: (id) => request<{ revoked: number }>(`/api/devices/${encodeURIComponent(String(id))}`, 'DELETE'),
    listProfiles: () => getJsonChecked<CriteriaProfile[]>('/api/profiles'),
    setStationProfile: (id, profile) => postJson<Station>(`/api/stations/${encodeURIComponent(id)}/profile`, { profile }),
    startBackfill: (job) => postJson<BackfillStarted>('/api/backfill', backfillBody(job)),
    backfillJobs: () => getJsonChecked<BackfillProgress[]>('/api/backfill'),
    importTable: (file, label) =>
      postRaw<ImportReply>(`/api/import?${new URLSearchParams({ label })}`, file, file.type || 'application/octet-stream'),
    subscribe(handler) {
      handlers.add(handler);
      ensureStarted();
      return () => handlers.delete(handler);
    },
    reconnect() {
      // Not started yet: the first connect reads the token anyway.
      if (stopped || !started) return;
      if (reconnectTimer !== null) clearT(reconnectTimer);
      reconnectTimer = null;
      clearI(pingTimer);
      pingTimer = null;
      const old = socket;
      socket = null; // its close event is ignored from now on
      old?.close(1000, 'new device token');
      attempt = 0;
      connect();
    },
    stop() {
      stopped = true;
      if (reconnectTimer !== null) clearT(reconnectTimer);
      reconnectTimer = null;
      clearI(pingTimer);
      pingTimer = null;
      const s = socket;
      socket = null;
      s?.close(1000, 'client stop');
      opts.state.set('offline');
    },
  };
}

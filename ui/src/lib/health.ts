// Model of the hub's `/health` reply for the "Sources & health" view (pure; unit tested).
// Known keys get their own sections; anything else is flattened into label/value entries so that
// fields added by newer hubs show up without a UI change.
import type { ConnectorHealth, HealthReply } from '../platform/types';
import { connectorsFrom } from './connectors';
import { DASH, formatBytes, formatCount, formatDuration, formatTime, freshness, parseTime } from './format';
import { hasMessage, t } from './i18n';

/** The view refreshes this often while it is shown. */
export const HEALTH_REFRESH_MS = 10_000;

export type Level = 'ok' | 'warn' | 'crit' | 'off' | 'unknown';

/** One leaf of a flattened object: its key path and raw value. */
export interface Entry {
  path: string[];
  value: unknown;
}

export interface LoopRow {
  name: string;
  state: string;
  level: Level;
  interval_s: number | null;
  last_run: string | null;
  last_error: string | null;
  runs: number | null;
  failures: number | null;
  extra: Entry[];
}

export interface SourceRow {
  name: string;
  state: string;
  level: Level;
  last_success: string | null;
  last_error: string | null;
  next_attempt: string | null;
  records: number | null;
  extra: Entry[];
}

export interface ForecastModelRow {
  parameter: string;
  version: string;
  /** `file`, else `name`. */
  file: string;
  extra: Entry[];
}

export interface ForecastInfo {
  backend: string | null;
  models: ForecastModelRow[];
  last_cycle: string | null;
  stations_forecast: number | null;
  /** `load_error` (models did not load) and `last_error` (last cycle failed), when set. */
  errors: string[];
  extra: Entry[];
}

export interface HealthModel {
  status: string;
  level: Level;
  version: string | null;
  uptime_s: number | null;
  timestamp: string | null;
  /** Top-level counters (clients, subscriptions, stations) and any unknown top-level scalar. */
  hub: Entry[];
  mqtt: { connected: boolean | null; level: Level; entries: Entry[] } | null;
  /** `db`: path, readings, size… */
  storage: Entry[] | null;
  forecast: ForecastInfo | null;
  loops: LoopRow[] | null;
  sources: SourceRow[] | null;
  /** `sources` when it is the connector list (`GET /api/sources` items); shown by ConnectorsPanel. */
  connectors: ConnectorHealth[] | null;
  /** Unknown top-level objects, one section each. */
  other: { key: string; entries: Entry[] }[];
}

const LEVELS: Record<string, Level> = {
  ok: 'ok',
  healthy: 'ok',
  running: 'ok',
  connected: 'ok',
  up: 'ok',
  degraded: 'warn',
  restarting: 'warn',
  warning: 'warn',
  stale: 'warn',
  retrying: 'warn',
  down: 'crit',
  failed: 'crit',
  error: 'crit',
  unhealthy: 'crit',
  critical: 'crit',
  unauthorised: 'crit',
  unauthorized: 'crit',
  not_authorised: 'crit',
  not_authorized: 'crit',
  disconnected: 'crit',
  disabled: 'off',
  off: 'off',
  idle: 'off',
  stopped: 'off',
};

/** Colour level of a state word (`running`, `degraded`, `down`, `disabled`, …). */
export function stateLevel(state: unknown): Level {
  if (typeof state === 'boolean') return state ? 'ok' : 'crit';
  if (typeof state !== 'string') return 'unknown';
  return LEVELS[state.toLowerCase()] ?? 'unknown';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * Leaves of `v` with their key paths. Arrays of scalars are one leaf; arrays of objects are
 * indexed (`models › 0 › file`); an empty object is a leaf (shown as a dash).
 */
export function flatten(v: unknown, path: string[] = []): Entry[] {
  if (Array.isArray(v)) {
    if (v.every((x) => !isObj(x) && !Array.isArray(x))) return [{ path, value: v }];
    return v.flatMap((x, i) => flatten(x, [...path, String(i)]));
  }
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (!keys.length) return [{ path, value: null }];
    return keys.flatMap((k) => flatten(v[k], [...path, k]));
  }
  return [{ path, value: v }];
}

function flattenExcept(o: Record<string, unknown>, known: readonly string[]): Entry[] {
  return Object.keys(o)
    .filter((k) => !known.includes(k))
    .flatMap((k) => flatten(o[k], [k]));
}

/** `{name: {...}}` or `[{name, ...}]` → [name, object] pairs sorted by name. */
function namedObjects(v: unknown): [string, Record<string, unknown>][] | null {
  if (Array.isArray(v)) {
    return v
      .filter(isObj)
      .map((o, i): [string, Record<string, unknown>] => [
        typeof o.name === 'string' ? o.name : typeof o.id === 'string' ? o.id : String(i),
        o,
      ])
      .sort((a, b) => a[0].localeCompare(b[0]));
  }
  if (isObj(v)) {
    return Object.entries(v)
      .map(([k, o]): [string, Record<string, unknown>] => [k, isObj(o) ? o : { state: o }])
      .sort((a, b) => a[0].localeCompare(b[0]));
  }
  return null;
}

const LOOP_KEYS = ['name', 'state', 'interval_s', 'last_run', 'last_error', 'runs', 'failures'] as const;
const SOURCE_KEYS = ['name', 'state', 'last_success', 'last_error', 'next_attempt', 'records'] as const;
const FORECAST_KEYS = ['backend', 'models', 'last_cycle', 'stations_forecast', 'load_error', 'last_error'] as const;
const TOP_KEYS = ['status', 'timestamp', 'version', 'uptime_s', 'db', 'mqtt', 'forecast', 'loops', 'sources'] as const;

export function healthModel(raw: HealthReply | unknown): HealthModel {
  const h: Record<string, unknown> = isObj(raw) ? raw : {};
  const status = typeof h.status === 'string' && h.status ? h.status : 'unknown';
  const model: HealthModel = {
    status,
    level: stateLevel(status),
    version: strOrNull(h.version),
    uptime_s: num(h.uptime_s),
    timestamp: strOrNull(h.timestamp),
    hub: [],
    mqtt: null,
    storage: null,
    forecast: null,
    loops: null,
    sources: null,
    connectors: null,
    other: [],
  };

  for (const [k, v] of Object.entries(h)) {
    if ((TOP_KEYS as readonly string[]).includes(k)) continue;
    if (isObj(v) || (Array.isArray(v) && v.some(isObj))) model.other.push({ key: k, entries: flatten(v) });
    else model.hub.push({ path: [k], value: v });
  }

  if (isObj(h.mqtt)) {
    const connected = typeof h.mqtt.connected === 'boolean' ? h.mqtt.connected : null;
    model.mqtt = {
      connected,
      level: connected === null ? 'unknown' : connected ? 'ok' : 'crit',
      entries: flattenExcept(h.mqtt, ['connected']),
    };
  } else if (h.mqtt !== undefined) model.other.push({ key: 'mqtt', entries: flatten(h.mqtt) });

  if (isObj(h.db)) model.storage = flatten(h.db);
  else if (h.db !== undefined) model.other.push({ key: 'db', entries: flatten(h.db) });

  if (isObj(h.forecast)) {
    const f = h.forecast;
    model.forecast = {
      backend: strOrNull(f.backend),
      models: (Array.isArray(f.models) ? f.models : []).filter(isObj).map((m) => {
        const fileKey = typeof m.file === 'string' ? 'file' : 'name';
        return {
          parameter: typeof m.parameter === 'string' ? m.parameter : '',
          version: typeof m.version === 'string' ? m.version : '',
          file: typeof m[fileKey] === 'string' ? (m[fileKey] as string) : '',
          extra: flattenExcept(m, ['parameter', 'version', fileKey]),
        };
      }),
      last_cycle: strOrNull(f.last_cycle),
      stations_forecast: num(f.stations_forecast),
      errors: [strOrNull(f.load_error), strOrNull(f.last_error)].filter((e): e is string => e !== null),
      extra: flattenExcept(f, FORECAST_KEYS),
    };
  } else if (h.forecast !== undefined && h.forecast !== null) model.other.push({ key: 'forecast', entries: flatten(h.forecast) });

  const loops = namedObjects(h.loops);
  if (loops) {
    model.loops = loops.map(([name, o]) => {
      const state = typeof o.state === 'string' ? o.state : 'unknown';
      return {
        name,
        state,
        level: stateLevel(state),
        interval_s: num(o.interval_s),
        last_run: strOrNull(o.last_run),
        last_error: strOrNull(o.last_error),
        runs: num(o.runs),
        failures: num(o.failures),
        extra: flattenExcept(o, LOOP_KEYS),
      };
    });
  }

  model.connectors = connectorsFrom(h.sources);
  const sources = namedObjects(h.sources);
  if (sources) {
    model.sources = sources.map(([name, o]) => {
      const state = typeof o.state === 'string' ? o.state : 'unknown';
      return {
        name,
        state,
        level: stateLevel(state),
        last_success: strOrNull(o.last_success),
        last_error: strOrNull(o.last_error),
        next_attempt: strOrNull(o.next_attempt),
        records: num(o.records),
        extra: flattenExcept(o, SOURCE_KEYS),
      };
    });
  }
  return model;
}

/** Counts of loops / sources by level, for the summary line. */
export function problemCount(m: HealthModel): { loops: number; sources: number } {
  const bad = (l: Level) => l === 'warn' || l === 'crit';
  return {
    loops: (m.loops ?? []).filter((r) => bad(r.level)).length,
    sources: (m.sources ?? []).filter((r) => bad(r.level)).length,
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A key path as a label: known keys translated (`health.key.<key>`), unknown keys as they are. */
export function entryLabel(path: readonly string[]): string {
  if (!path.length) return t('health.value');
  return path
    .map((seg) => {
      const k = `health.key.${seg}`;
      return hasMessage(k) ? t(k) : seg;
    })
    .join(' › ');
}

/** A time as "27 Nov, 10:00:00 (5 min ago)"; future times without the relative part. */
export function formatWhen(iso: string | null | undefined, now: number): string {
  const ts = parseTime(iso);
  if (Number.isNaN(ts)) return iso || DASH;
  if (ts > now + 5000) return formatTime(iso);
  return `${formatTime(iso)} (${freshness(iso, now)})`;
}

/**
 * Display text of a leaf, chosen by its last key and type: `*_s` → duration, `*_bytes`/`size`/`bytes`
 * → binary size, RFC 3339 strings → time, booleans → yes/no, arrays → comma list.
 */
export function formatEntry(path: readonly string[], value: unknown, now: number): string {
  const key = path.length ? path[path.length - 1] : '';
  if (value === null || value === undefined) return DASH;
  if (typeof value === 'boolean') return value ? t('health.yes') : t('health.no');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return DASH;
    if (/_s$/.test(key) || key === 'seconds') return formatDuration(value);
    if (/_bytes$/.test(key) || key === 'bytes' || key === 'size') return formatBytes(value);
    return formatCount(value);
  }
  if (typeof value === 'string') return ISO_TIME.test(value) ? formatWhen(value, now) : value || DASH;
  if (Array.isArray(value)) return value.length ? value.map((v) => formatEntry([key], v, now)).join(', ') : DASH;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Translated state word (`health.state.<state>`), or the word itself. */
export function stateLabel(state: string): string {
  const k = `health.state.${state}`;
  return hasMessage(k) ? t(k) : state;
}

import { afterEach, describe, expect, it } from 'vitest';
import { entryLabel, flatten, formatEntry, healthModel, problemCount, stateLabel, stateLevel } from './health';
import { setLocale } from './i18n';

afterEach(() => setLocale('en'));

/** Today's /health (PROTOCOL §1.1). */
const today = {
  active_clients: 1,
  db: { path: '/tmp/docs-hub/purehealth.db', readings: 447 },
  mqtt: {
    connected: true,
    duplicates: 0,
    last_error: null,
    qc_flags: { fail: 1, pass: 446 },
    received: 454,
    rejected: { bad_station: 1, malformed: 1 },
    rejected_total: 2,
    stored: 447,
  },
  stations: 4,
  status: 'healthy',
  subscriptions: 1,
  timestamp: '2026-11-27T17:45:45.760Z',
  uptime_s: 41,
  version: '0.1.0',
};

const NOW = Date.parse('2026-11-27T17:46:00Z');

describe('healthModel', () => {
  it("maps today's /health; absent sections are null", () => {
    const m = healthModel(today);
    expect(m).toMatchObject({ status: 'healthy', level: 'ok', version: '0.1.0', uptime_s: 41, timestamp: '2026-11-27T17:45:45.760Z' });
    expect(m.hub).toEqual([
      { path: ['active_clients'], value: 1 },
      { path: ['stations'], value: 4 },
      { path: ['subscriptions'], value: 1 },
    ]);
    expect(m.mqtt?.connected).toBe(true);
    expect(m.mqtt?.level).toBe('ok');
    expect(m.mqtt?.entries.map((e) => e.path.join('.'))).toEqual([
      'duplicates',
      'last_error',
      'qc_flags.fail',
      'qc_flags.pass',
      'received',
      'rejected.bad_station',
      'rejected.malformed',
      'rejected_total',
      'stored',
    ]);
    expect(m.storage).toEqual([
      { path: ['path'], value: '/tmp/docs-hub/purehealth.db' },
      { path: ['readings'], value: 447 },
    ]);
    expect(m.forecast).toBeNull();
    expect(m.loops).toBeNull();
    expect(m.sources).toBeNull();
    expect(m.other).toEqual([]);
  });

  it('reads forecast, loops and sources, keeping unknown fields', () => {
    const m = healthModel({
      ...today,
      forecast: {
        backend: 'tract',
        models: [{ parameter: 'dissolved_oxygen', version: '1.1.0', file: 'forecast_oxygen.onnx', sha256: 'abc' }],
        last_cycle: '2026-11-27T17:40:00Z',
        stations_forecast: 3,
        cycle_ms: 120,
      },
      loops: {
        forecast: { state: 'running', interval_s: 3600, last_run: '2026-11-27T17:40:00Z', last_error: null, runs: 2, failures: 0 },
        connector_nwmp: { state: 'failed', interval_s: 900, last_run: null, last_error: 'timeout', runs: 3, failures: 3, backoff_s: 60 },
      },
      sources: {
        swmp: { state: 'degraded', last_success: '2026-11-27T16:00:00Z', last_error: 'HTTP 503', next_attempt: '2026-11-27T18:00:00Z', records: 1200 },
        cpcb: { state: 'disabled', last_success: null, last_error: null, next_attempt: null, records: 0 },
      },
      gpu: { present: false },
      build: 'abc123',
    });
    expect(m.forecast).toEqual({
      backend: 'tract',
      models: [{ parameter: 'dissolved_oxygen', version: '1.1.0', file: 'forecast_oxygen.onnx', extra: [{ path: ['sha256'], value: 'abc' }] }],
      last_cycle: '2026-11-27T17:40:00Z',
      stations_forecast: 3,
      errors: [],
      extra: [{ path: ['cycle_ms'], value: 120 }],
    });
    expect(m.loops!.map((l) => [l.name, l.state, l.level])).toEqual([
      ['connector_nwmp', 'failed', 'crit'],
      ['forecast', 'running', 'ok'],
    ]);
    expect(m.loops![0].extra).toEqual([{ path: ['backoff_s'], value: 60 }]);
    expect(m.loops![0]).toMatchObject({ interval_s: 900, last_run: null, last_error: 'timeout', runs: 3, failures: 3 });
    expect(m.sources!.map((s) => [s.name, s.level])).toEqual([
      ['cpcb', 'off'],
      ['swmp', 'warn'],
    ]);
    expect(m.sources![1]).toMatchObject({ next_attempt: '2026-11-27T18:00:00Z', records: 1200, last_error: 'HTTP 503' });
    expect(m.other).toEqual([{ key: 'gpu', entries: [{ path: ['present'], value: false }] }]);
    expect(m.hub.map((e) => e.path[0])).toContain('build');
    expect(problemCount(m)).toEqual({ loops: 1, sources: 1 });
  });

  it('accepts model entries with `name` instead of `file`, and surfaces load/cycle errors', () => {
    const m = healthModel({
      status: 'healthy',
      forecast: {
        backend: null,
        engine: null,
        models: null,
        load_error: 'onnxruntime library not found',
        last_cycle: null,
        last_error: null,
        cycles: 0,
      },
    });
    expect(m.forecast).toMatchObject({ backend: null, models: [], errors: ['onnxruntime library not found'] });
    expect(m.forecast!.extra.map((e) => e.path.join('.'))).toEqual(['engine', 'cycles']);
    const named = healthModel({ forecast: { backend: 'tract', models: [{ parameter: 'chla', name: 'forecast_chla', version: '1.0.0' }] } });
    expect(named.forecast!.models).toEqual([{ parameter: 'chla', version: '1.0.0', file: 'forecast_chla', extra: [] }]);
  });

  it('survives odd shapes', () => {
    expect(healthModel(null)).toMatchObject({ status: 'unknown', level: 'unknown', hub: [], other: [] });
    const m = healthModel({ status: 'degraded', mqtt: 'off', loops: [{ name: 'a', state: 'restarting' }, { state: 'x' }], sources: { s: 'down' } });
    expect(m.level).toBe('warn');
    expect(m.mqtt).toBeNull();
    expect(m.other).toEqual([{ key: 'mqtt', entries: [{ path: [], value: 'off' }] }]);
    expect(m.loops!.map((l) => [l.name, l.state])).toEqual([
      ['1', 'x'],
      ['a', 'restarting'],
    ]);
    expect(m.sources).toMatchObject([{ name: 's', state: 'down', level: 'crit' }]);
    expect(healthModel({ mqtt: { received: 1 } }).mqtt).toMatchObject({ connected: null, level: 'unknown' });
  });
});

describe('flatten / formatEntry / labels', () => {
  it('flattens nested objects and arrays', () => {
    expect(flatten({ a: { b: 1, c: [1, 2] }, d: [{ e: 'x' }], f: {} })).toEqual([
      { path: ['a', 'b'], value: 1 },
      { path: ['a', 'c'], value: [1, 2] },
      { path: ['d', '0', 'e'], value: 'x' },
      { path: ['f'], value: null },
    ]);
  });
  it('formats by key and type', () => {
    expect(formatEntry(['uptime_s'], 93784, NOW)).toBe('1 d 2 h');
    expect(formatEntry(['interval_s'], 900, NOW)).toBe('15 min 0 s');
    expect(formatEntry(['size_bytes'], 3 * 1024 * 1024, NOW)).toBe('3 MiB');
    expect(formatEntry(['readings'], 1234567, NOW)).toBe('12,34,567');
    expect(formatEntry(['connected'], false, NOW)).toBe('no');
    expect(formatEntry(['last_error'], null, NOW)).toBe('—');
    expect(formatEntry(['last_run'], '2026-11-27T17:45:00Z', NOW)).toMatch(/^27 Nov.*\(1 min ago\)$/);
    expect(formatEntry(['next_attempt'], '2026-11-27T18:00:00Z', NOW)).not.toMatch(/ago/);
    expect(formatEntry(['tags'], ['a', 'b'], NOW)).toBe('a, b');
    expect(formatEntry(['path'], '/data/ph.db', NOW)).toBe('/data/ph.db');
  });
  it('labels known keys in the current language, unknown keys as they are', () => {
    expect(entryLabel(['qc_flags', 'pass'])).toBe('QC flags › pass');
    expect(entryLabel(['gpu_memory'])).toBe('gpu_memory');
    setLocale('mr');
    expect(entryLabel(['received'])).toBe('प्राप्त');
    expect(stateLabel('running')).toBe('चालू');
    expect(stateLabel('warming_up')).toBe('warming_up');
  });
  it('maps states to levels', () => {
    expect(['ok', 'running', 'degraded', 'restarting', 'down', 'failed', 'unauthorised', 'disabled', 'what', true, false, 3].map(stateLevel)).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'crit',
      'crit',
      'crit',
      'off',
      'unknown',
      'ok',
      'crit',
      'unknown',
    ]);
  });
});

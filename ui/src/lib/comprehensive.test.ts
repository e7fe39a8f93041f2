import { afterEach, describe, expect, it, vi } from 'vitest';
import { RpcError, type CompEntry, type CompField, type ComprehensiveReply, type HubMessage } from '../platform/types';
import {
  bulletinParts,
  categoryLabel,
  compGroups,
  fieldLabel,
  floodLevel,
  floodStatusLabel,
  isCompEmpty,
  rainfallRows,
  sourceLabel,
  warningColour,
  warningDate,
} from './comprehensive';
import { ComprehensiveStore } from './comprehensive.svelte';
import { setLocale } from './i18n';
import type { PollDeps } from './poll';

afterEach(() => setLocale('en'));

const entry = (over: Partial<CompEntry> = {}): CompEntry => ({
  value: 7.1,
  unit: 'mg/L',
  source: 'sensor',
  connector: null,
  note: null,
  qc: 1,
  observed_at: '2026-11-27T10:00:00Z',
  fetched_at: '2026-11-27T10:00:02Z',
  age_s: 60,
  fresh: true,
  measured: true,
  ...over,
});
const field = (parameter: string, sources: CompEntry[], label = parameter): CompField => ({ parameter, label, sources, ...sources[0] });

function reply(over: Partial<ComprehensiveReply> = {}): ComprehensiveReply {
  return {
    station_id: 'apacpwq',
    station: null,
    metadata: null,
    generated_at: '2026-11-27T10:01:00Z',
    water_quality: [],
    hydrology: [],
    flood: null,
    weather: [],
    district_bulletins: null,
    device: [],
    connectors: [],
    ...over,
  };
}

describe('unified view model', () => {
  it('shows the non-empty groups in order and ignores the device block', () => {
    const r = reply({
      weather: [field('rainfall', [entry({ unit: 'mm', source: 'api', connector: 'openmeteo' })])],
      water_quality: [field('dissolved_oxygen', [entry()])],
      device: [field('battery', [entry({ unit: 'V' })])],
    });
    expect(compGroups(r).map((g) => [g.key, g.fields.map((f) => f.parameter)])).toEqual([
      ['water_quality', ['dissolved_oxygen']],
      ['weather', ['rainfall']],
    ]);
    expect(isCompEmpty(r)).toBe(false);
    expect(isCompEmpty(reply({ device: [field('battery', [entry()])] }))).toBe(true);
    expect(isCompEmpty(null)).toBe(true);
  });

  it('is not empty with only a flood status or a bulletin', () => {
    const flood = { warning_level: 1, danger_level: 2, highest_flood_level: 3, level: null, observed_at: null, status: 'not_comparable', gauge_height_not_compared: true };
    expect(isCompEmpty(reply({ flood }))).toBe(false);
    expect(isCompEmpty(reply({ district_bulletins: { warnings: { date: '2026-11-27', days: [] } } }))).toBe(true);
    expect(bulletinParts(reply({ district_bulletins: { rainfall: { district: 'Pune' }, warnings: { date: null, days: [{ codes: [1], warnings: ['No warning'], colour: 'green' }] } } }))).toEqual([
      'rainfall',
      'warnings',
    ]);
  });

  it('labels parameters and sources, falling back to the hub label', () => {
    expect(fieldLabel({ parameter: 'gauge_height', label: 'Gauge height (m)' })).toBe('Gauge height');
    expect(fieldLabel({ parameter: 'new_thing', label: 'New thing' })).toBe('New thing');
    expect(sourceLabel('ml_fallback')).toBe('Model estimate');
    expect(sourceLabel('sensor')).toBe('Sensor');
    expect(sourceLabel('drone')).toBe('drone');
    setLocale('mr');
    expect(fieldLabel({ parameter: 'discharge', label: 'Discharge' })).toBe('विसर्ग');
    expect(sourceLabel('satellite')).toBe('उपग्रह');
  });

  it('classifies flood statuses', () => {
    expect(['normal', 'above_warning', 'above_danger', 'above_hfl', 'not_comparable', 'x'].map(floodLevel)).toEqual(['ok', 'warn', 'crit', 'crit', 'off', 'off']);
    expect(floodStatusLabel('above_danger')).toBe('Above danger level');
    // An older hub's spelling reads the same.
    expect(['Normal', 'AboveWarning', 'AboveHfl', 'NotComparable'].map(floodLevel)).toEqual(['ok', 'warn', 'crit', 'off']);
    expect(floodStatusLabel('AboveWarning')).toBe('Above warning level');
    expect(floodStatusLabel('Whatever')).toBe('Whatever');
  });

  it('reads IMD rainfall periods, categories and warning days', () => {
    const rows = rainfallRows({
      district: 'Patna',
      daily_actual_mm: 12.5,
      daily_normal_mm: 3.1,
      daily_departure_pct: 303,
      daily_category: 'LE',
      weekly_actual_mm: null,
      cumulative_actual_mm: 800,
      cumulative_category: 'N',
    });
    expect(rows).toEqual([
      { period: 'daily', actual: 12.5, normal: 3.1, departure: 303, category: 'LE' },
      { period: 'cumulative', actual: 800, normal: null, departure: null, category: 'N' },
    ]);
    expect(rainfallRows(undefined)).toEqual([]);
    expect(categoryLabel('le')).toBe('Large excess');
    expect(categoryLabel('ZZ')).toBe('ZZ');
    expect(warningColour('orange')).toBe('orange');
    expect(warningColour('unknown')).toBe('none');
    expect(warningColour(null)).toBe('none');
    expect(warningDate('2026-12-31', 1)).toBe('2027-01-01');
    expect(warningDate('31-12-2026', 0)).toBeNull();
  });
});

function setup(fetchImpl: (id: string) => Promise<ComprehensiveReply>) {
  let handler: ((m: HubMessage) => void) | null = null;
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const pollDeps: PollDeps = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => ((t as { cleared: boolean }).cleared = true),
    isHidden: () => false,
    onVisibilityChange: () => () => {},
  };
  const fetchComprehensive = vi.fn(fetchImpl);
  const store = new ComprehensiveStore({
    fetchComprehensive,
    subscribe: (h) => {
      handler = h;
      return () => (handler = null);
    },
    pollDeps,
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cleared) t.fn();
  };
  return { store, fetchComprehensive, push: (m: HubMessage) => handler?.(m), hasHandler: () => handler !== null, timers, fire };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('ComprehensiveStore', () => {
  it('loads on start, refreshes every 60 s and on resync', async () => {
    let n = 0;
    const s = setup(async () => reply({ generated_at: `T${++n}` }));
    const stop = s.store.start('apacpwq');
    expect(s.store.state).toBe('loading');
    await settle();
    expect(s.store.state).toBe('ok');
    expect(s.store.data?.generated_at).toBe('T1');
    expect(s.timers.filter((t) => !t.cleared).map((t) => t.ms)).toEqual([60_000]);
    s.fire();
    await settle();
    expect(s.store.data?.generated_at).toBe('T2');
    s.push({ type: 'resync' });
    await settle();
    expect(s.store.data?.generated_at).toBe('T3');
    s.push({ type: 'pong' });
    await settle();
    expect(s.fetchComprehensive).toHaveBeenCalledTimes(3);
    expect(s.fetchComprehensive.mock.calls.every((c) => c[0] === 'apacpwq')).toBe(true);
    stop();
    expect(s.hasHandler()).toBe(false);
    expect(s.timers.every((t) => t.cleared)).toBe(true);
  });

  it('keeps the last data when a refresh fails, and reports the error', async () => {
    let fail = false;
    const s = setup(async () => {
      if (fail) throw new RpcError('network', 'Failed to fetch');
      return reply();
    });
    s.store.start('apacpwq');
    await settle();
    fail = true;
    s.fire();
    await settle();
    expect(s.store.state).toBe('ok');
    expect(s.store.data).not.toBeNull();
    expect(s.store.error).toBe('Failed to fetch');
    fail = false;
    s.fire();
    await settle();
    expect(s.store.error).toBeNull();
  });

  it('is "missing" on a 404 and "error" on other failures without data', async () => {
    const s = setup(async (id) => {
      throw id === 'gone' ? new RpcError('not_found', 'unknown station gone', 404) : new RpcError('http', 'HTTP 500', 500);
    });
    s.store.start('gone');
    await settle();
    expect(s.store.state).toBe('missing');
    s.store.start('x');
    await settle();
    expect(s.store.state).toBe('error');
    expect(s.store.error).toBe('HTTP 500');
  });

  it('ignores the answer for a station that is no longer open', async () => {
    let release: (r: ComprehensiveReply) => void = () => {};
    const s = setup((id) => (id === 'a' ? new Promise((res) => (release = res)) : Promise.resolve(reply({ station_id: id }))));
    const stopA = s.store.start('a');
    stopA();
    s.store.start('b');
    await settle();
    release(reply({ station_id: 'a' }));
    await settle();
    expect(s.store.data?.station_id).toBe('b');
  });
});

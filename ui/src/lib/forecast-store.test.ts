import { describe, expect, it, vi } from 'vitest';
import { RpcError, type ForecastReply, type HubMessage } from '../platform/types';
import { ForecastStore, slotOrder } from './forecast.svelte';

const fc = (parameter: string, issued_at = '2026-11-27T10:00:00Z', p50 = 7): ForecastReply => ({
  station_id: 'apacpwq',
  parameter,
  unit: 'mg/L',
  model: 'm',
  model_version: '1.1.0',
  backend: 'tract',
  issued_at,
  origin: '2026-11-26',
  climatology: true,
  coverage_note: '',
  observed: [{ date: '2026-11-26', v: 7 }],
  points: [{ h: 1, date: '2026-11-27', p10: 6, p50, p90: 8 }],
});

function setup(fetchImpl: (id: string, p: string) => Promise<ForecastReply>) {
  let handler: ((m: HubMessage) => void) | null = null;
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const fetchForecast = vi.fn(fetchImpl);
  const store = new ForecastStore({
    fetchForecast,
    subscribe: (h) => {
      handler = h;
      return () => (handler = null);
    },
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => ((t as { cleared: boolean }).cleared = true),
    retryMs: 30_000,
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cleared) t.fn();
  };
  return { store, fetchForecast, push: (m: HubMessage) => handler?.(m), hasHandler: () => handler !== null, timers, fire };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('ForecastStore', () => {
  it('loads each parameter; 404 is "none" and retried, 400 is "nomodel" and final', async () => {
    const s = setup(async (_id, p) => {
      if (p === 'temperature') throw new RpcError('not_found', 'no forecast yet', 404);
      if (p === 'chla') throw new RpcError('bad_request', 'no model for `chla`', 400);
      return fc(p);
    });
    s.store.start('apacpwq', ['dissolved_oxygen', 'temperature', 'chla']);
    expect(Object.values(s.store.slots).map((x) => x.state)).toEqual(['loading', 'loading', 'loading']);
    await settle();
    expect(s.store.slots.dissolved_oxygen.state).toBe('ok');
    expect(s.store.slots.temperature).toEqual({ state: 'none', message: 'no forecast yet' });
    expect(s.store.slots.chla.state).toBe('nomodel');
    expect(s.timers.filter((t) => !t.cleared).map((t) => t.ms)).toEqual([30_000]);
    s.fire();
    await settle();
    expect(s.fetchForecast.mock.calls.filter(([, p]) => p === 'temperature')).toHaveLength(2);
    expect(s.fetchForecast.mock.calls.filter(([, p]) => p === 'chla')).toHaveLength(1);
  });

  it('a plain HTTP 404 (no JSON body) also counts as no forecast', async () => {
    const s = setup(async () => {
      throw new RpcError('http', '/api/…/forecast: HTTP 404', 404);
    });
    s.store.start('apacpwq', ['dissolved_oxygen']);
    await settle();
    expect(s.store.slots.dissolved_oxygen.state).toBe('none');
  });

  it('prediction_update replaces the forecast of the open station (newer only) and cancels the retry', async () => {
    const s = setup(async (_id, p) => {
      if (p === 'temperature') throw new RpcError('not_found', 'none', 404);
      return fc(p, '2026-11-27T10:00:00Z', 7);
    });
    s.store.start('apacpwq', ['dissolved_oxygen', 'temperature']);
    await settle();
    const msg = (f: ForecastReply, station_id = 'apacpwq'): HubMessage => ({ type: 'prediction_update', station_id, predictions: {}, forecast: f });
    s.push(msg(fc('dissolved_oxygen', '2026-11-27T11:00:00Z', 9)));
    expect(s.store.slots.dissolved_oxygen).toMatchObject({ state: 'ok', data: { points: [{ p50: 9 }] } });
    s.push(msg(fc('dissolved_oxygen', '2026-11-27T09:00:00Z', 1)));
    expect(s.store.slots.dissolved_oxygen).toMatchObject({ state: 'ok', data: { points: [{ p50: 9 }] } });
    s.push(msg({ ...fc('dissolved_oxygen', '2026-11-27T12:00:00Z', 2), station_id: 'other' }, 'other'));
    expect(s.store.slots.dissolved_oxygen).toMatchObject({ data: { points: [{ p50: 9 }] } });
    s.push(msg(fc('temperature', '2026-11-27T11:00:00Z', 25)));
    expect(s.store.slots.temperature.state).toBe('ok');
    expect(s.timers.every((t) => t.cleared)).toBe(true);
    // A parameter the station list did not announce is shown too; a frame may carry them all.
    s.push({ type: 'prediction_update', station_id: 'apacpwq', forecasts: [fc('chla'), fc('temperature', '2026-11-27T12:00:00Z', 26)] });
    expect(s.store.order).toEqual(['dissolved_oxygen', 'temperature', 'chla']);
    expect(s.store.slots.temperature).toMatchObject({ data: { points: [{ p50: 26 }] } });
  });

  it('an older fetch reply does not overwrite a newer push', async () => {
    let resolve!: (f: ForecastReply) => void;
    const s = setup(() => new Promise((r) => (resolve = r)));
    s.store.start('apacpwq', ['dissolved_oxygen']);
    s.push({ type: 'prediction_update', station_id: 'apacpwq', forecast: fc('dissolved_oxygen', '2026-11-27T12:00:00Z', 3) });
    resolve(fc('dissolved_oxygen', '2026-11-27T10:00:00Z', 7));
    await settle();
    expect(s.store.slots.dissolved_oxygen).toMatchObject({ data: { points: [{ p50: 3 }] } });
  });

  it('resync refetches; stop ignores late replies and unsubscribes', async () => {
    let n = 0;
    const s = setup(async (_id, p) => fc(p, `2026-11-27T1${n++}:00:00Z`));
    const stop = s.store.start('apacpwq', ['dissolved_oxygen']);
    await settle();
    s.push({ type: 'resync' });
    await settle();
    expect(s.fetchForecast).toHaveBeenCalledTimes(2);
    stop();
    expect(s.hasHandler()).toBe(false);
    const stop2 = s.store.start('NWMP-1', []);
    expect(s.store.slots).toEqual({});
    stop2();
  });

  it('orders known parameters first', () => {
    expect(slotOrder(['zeta', 'chla', 'dissolved_oxygen', 'alpha'])).toEqual(['dissolved_oxygen', 'chla', 'alpha', 'zeta']);
  });
});

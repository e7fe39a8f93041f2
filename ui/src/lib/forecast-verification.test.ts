import { describe, expect, it, vi } from 'vitest';
import { RpcError, type ForecastVerificationReply, type HubMessage } from '../platform/types';
import { convertDifference, formatShare, insideBand, parseVerification } from './forecast-verification';
import { VerificationStore } from './forecast-verification.svelte';
import { unitConversion } from './format';

const reply = (over: Partial<ForecastVerificationReply> = {}): ForecastVerificationReply => ({
  station_id: 'apacpwq',
  parameter: 'dissolved_oxygen',
  unit: 'mg/L',
  forecasts_stored: 5,
  horizons: [
    {
      horizon: 7,
      n: 2,
      mae: 1.75,
      coverage_p10_p90: 0.5,
      coverage_heldout: 0.78,
      recent: [
        { date: '2026-11-25', observed: 3.0, p10: 5.0, p50: 6.0, p90: 7.0 },
        { date: '2026-11-24', observed: 6.5, p10: 5.0, p50: 6.0, p90: 7.0 },
      ],
    },
    { horizon: 30, n: 0, mae: null, coverage_p10_p90: null, coverage_heldout: 0.8, recent: [] },
    { horizon: 90, n: 0, mae: null, coverage_p10_p90: null, coverage_heldout: null, recent: [] },
  ],
  ...over,
});

describe('parseVerification', () => {
  it('gives one row per horizon with n, MAE, coverage and held-out coverage', () => {
    const v = parseVerification(reply());
    expect(v.total).toBe(2);
    expect(v.stored).toBe(5);
    expect(v.rows.map((r) => [r.horizon, r.n, r.mae, r.coverage, r.heldout, r.recent.length])).toEqual([
      [7, 2, 1.75, 0.5, 0.78, 2],
      [30, 0, null, null, 0.8, 0],
      [90, 0, null, null, null, 0],
    ]);
  });

  it('handles the "nothing stored" reply, missing horizons and junk', () => {
    const empty = parseVerification(reply({ forecasts_stored: 0, horizons: [], note: 'no stored forecast yet' }));
    expect(empty.total).toBe(0);
    expect(empty.note).toBe('no stored forecast yet');
    expect(empty.rows.map((r) => r.n)).toEqual([0, 0, 0]);
    const junk = parseVerification({
      horizons: [{ horizon: 30, n: 3, mae: 'x', coverage_p10_p90: 1.5, coverage_heldout: 0.7, recent: [null, { date: '' }, { date: '2026-01-01', observed: 'a' }] }, 5],
    } as unknown as ForecastVerificationReply);
    expect(junk.rows[1]).toMatchObject({ horizon: 30, n: 3, mae: null, coverage: null, heldout: 0.7 });
    expect(junk.rows[1].recent).toEqual([{ date: '2026-01-01', observed: null, p10: null, p50: null, p90: null }]);
    expect(parseVerification(null).total).toBe(0);
  });
});

describe('verification helpers', () => {
  it('tells inside from outside P10–P90 (bounds included)', () => {
    expect(insideBand({ date: 'd', observed: 3, p10: 5, p50: 6, p90: 7 })).toBe(false);
    expect(insideBand({ date: 'd', observed: 7, p10: 5, p50: 6, p90: 7 })).toBe(true);
    expect(insideBand({ date: 'd', observed: 5, p10: 5, p50: 6, p90: 7 })).toBe(true);
    expect(insideBand({ date: 'd', observed: null, p10: 5, p50: 6, p90: 7 })).toBeNull();
  });
  it('formats shares as whole percentages', () => {
    expect(formatShare(0.78)).toBe('78 %');
    expect(formatShare(0.5)).toBe('50 %');
    expect(formatShare(null)).toBe('—');
  });
  it('converts an error with the scale only (°F: ×9/5, no +32; mS/cm: /1000)', () => {
    const f = unitConversion('°C', { temperatureUnit: 'F', conductivityUnit: 'uS/cm' });
    expect(convertDifference(1.75, f)).toBeCloseTo(3.15);
    const ms = unitConversion('µS/cm', { temperatureUnit: 'C', conductivityUnit: 'mS/cm' });
    expect(convertDifference(250, ms)).toBeCloseTo(0.25);
    expect(convertDifference(1.75, null)).toBe(1.75);
    expect(convertDifference(null, f)).toBeNull();
  });
});

describe('VerificationStore', () => {
  const settle = () => new Promise((r) => setTimeout(r, 0));
  function setup(impl: (id: string, p: string) => Promise<ForecastVerificationReply>) {
    let handler: ((m: HubMessage) => void) | null = null;
    const fetchVerification = vi.fn(impl);
    const store = new VerificationStore({
      fetchVerification,
      subscribe: (h) => {
        handler = h;
        return () => (handler = null);
      },
    });
    return { store, fetchVerification, push: (m: HubMessage) => handler?.(m), hasHandler: () => handler !== null };
  }

  it('fetches once, again on resync only, and stops', async () => {
    const s = setup(async () => reply());
    const stop = s.store.start('apacpwq', 'dissolved_oxygen');
    expect(s.store.current.state).toBe('loading');
    await settle();
    expect(s.store.current).toMatchObject({ state: 'ok', data: { total: 2 } });
    expect(s.fetchVerification).toHaveBeenCalledTimes(1);
    expect(s.fetchVerification).toHaveBeenCalledWith('apacpwq', 'dissolved_oxygen');
    s.push({ type: 'prediction_update', station_id: 'apacpwq' } as unknown as HubMessage);
    await settle();
    expect(s.fetchVerification).toHaveBeenCalledTimes(1);
    s.push({ type: 'resync' } as HubMessage);
    await settle();
    expect(s.fetchVerification).toHaveBeenCalledTimes(2);
    stop();
    expect(s.hasHandler()).toBe(false);
  });

  it('404/400 is "none"; another failure is "error" but keeps earlier data', async () => {
    let fail: unknown = new RpcError('not_found', 'unknown station', 404);
    const s = setup(async () => {
      if (fail) throw fail;
      return reply();
    });
    s.store.start('x', 'ph');
    await settle();
    expect(s.store.current).toMatchObject({ state: 'none', message: 'unknown station' });
    fail = new RpcError('network', 'Failed to fetch');
    s.push({ type: 'resync' } as HubMessage);
    await settle();
    expect(s.store.current).toMatchObject({ state: 'error', message: 'Failed to fetch' });
    fail = null;
    s.push({ type: 'resync' } as HubMessage);
    await settle();
    expect(s.store.current.state).toBe('ok');
    fail = new RpcError('network', 'Failed to fetch');
    s.push({ type: 'resync' } as HubMessage);
    await settle();
    expect(s.store.current.state).toBe('ok');
  });

  it('ignores an answer for a stopped start', async () => {
    let resolve: (r: ForecastVerificationReply) => void = () => {};
    const s = setup(() => new Promise((r) => (resolve = r)));
    const stop = s.store.start('a', 'ph');
    stop();
    resolve(reply());
    await settle();
    expect(s.store.current.state).toBe('loading');
  });
});

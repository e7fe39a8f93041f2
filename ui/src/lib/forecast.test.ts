import { describe, expect, it } from 'vitest';
import type { ForecastReply, HubMessage } from '../platform/types';
import {
  DAY_S,
  dayToUnix,
  forecastColumns,
  forecastsFromMessage,
  forecastParameters,
  horizonWindow,
  isNewer,
  originUnix,
  parseForecast,
  quantilesAt,
} from './forecast';

const X = (ymd: string) => Date.parse(`${ymd}T00:00:00Z`) / 1000;

/** ISO day `n` days after 2026-11-26. */
const day = (n: number) => new Date(Date.UTC(2026, 10, 26 + n)).toISOString().slice(0, 10);

function reply(over: Partial<ForecastReply> = {}, observedDays = 60, horizons = 90): ForecastReply {
  return {
    station_id: 'apacpwq',
    parameter: 'dissolved_oxygen',
    unit: 'mg/L',
    model: 'forecast_oxygen',
    model_version: '1.1.0',
    backend: 'onnxruntime',
    issued_at: '2026-11-27T10:00:00Z',
    origin: '2026-11-26',
    climatology: true,
    coverage_note: 'P10–P90, measured coverage 7 d 78 %',
    observed: Array.from({ length: observedDays }, (_, i) => ({ date: day(i - observedDays + 1), v: 7 + i / 100 })),
    points: Array.from({ length: horizons }, (_, i) => ({ h: i + 1, date: day(i + 1), p10: 6 - i / 100, p50: 7, p90: 8 + i / 100 })),
    ...over,
  };
}

describe('dayToUnix', () => {
  it('parses calendar days at 00:00 UTC and rejects anything else', () => {
    expect(dayToUnix('2026-11-26')).toBe(Date.UTC(2026, 10, 26) / 1000);
    expect(dayToUnix('2026-02-30')).toBeNaN();
    expect(dayToUnix('2026-11-26T00:00:00Z')).toBeNaN();
    expect(dayToUnix(20261126)).toBeNaN();
    expect(dayToUnix(null)).toBeNaN();
  });
});

describe('forecastParameters', () => {
  it('keeps the forecastable parameters in model order', () => {
    expect(forecastParameters(['ph', 'temperature', 'dissolved_oxygen', 'turbidity'])).toEqual(['dissolved_oxygen', 'temperature']);
    expect(forecastParameters(['chla'])).toEqual(['chla']);
    expect(forecastParameters([])).toEqual([]);
  });
});

describe('parseForecast', () => {
  it('accepts the documented reply unchanged', () => {
    const r = reply();
    expect(parseForecast(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });
  it('sorts, drops bad entries and nulls non-finite values', () => {
    const f = parseForecast({
      parameter: 'temperature',
      points: [
        { h: 2, date: '2026-11-28', p10: 1, p50: 2, p90: 3 },
        { h: 1, date: '2026-11-27', p10: 'x', p50: 2, p90: null },
        { h: 0, date: '2026-11-26', p10: 1, p50: 1, p90: 1 },
        { h: 3, date: 'soon', p10: 1, p50: 1, p90: 1 },
        null,
      ],
      observed: [{ date: '2026-11-26', v: 5 }, { date: '2026-11-25', v: 'NaN' }, { date: 'x', v: 1 }],
      climatology: 'yes',
    });
    expect(f).not.toBeNull();
    expect(f!.points.map((p) => p.h)).toEqual([1, 2]);
    expect(f!.points[0]).toEqual({ h: 1, date: '2026-11-27', p10: null, p50: 2, p90: null });
    expect(f!.observed).toEqual([{ date: '2026-11-25', v: null }, { date: '2026-11-26', v: 5 }]);
    expect(f!.climatology).toBe(false);
    expect(f!.model_version).toBe('');
  });
  it('rejects replies without a parameter or any usable point', () => {
    expect(parseForecast(null)).toBeNull();
    expect(parseForecast({ points: [] })).toBeNull();
    expect(parseForecast({ parameter: 'temperature', points: [{ h: 1, date: '2026-11-27', p10: null, p50: null, p90: null }] })).toBeNull();
    expect(parseForecast({ error: { kind: 'not_found', message: 'no forecast' } })).toBeNull();
  });
});

describe('forecastColumns', () => {
  it('puts observed days first, then the forecast, aligned on one x axis', () => {
    const f = reply({}, 3, 2);
    const [xs, obs, p10, p50, p90] = forecastColumns(f);
    expect(xs).toEqual([X('2026-11-24'), X('2026-11-25'), X('2026-11-26'), X('2026-11-27'), X('2026-11-28')]);
    expect(obs).toEqual([7, 7.01, 7.02, null, null]);
    expect(p10).toEqual([null, null, null, 6, 5.99]);
    expect(p50).toEqual([null, null, null, 7, 7]);
    expect(p90).toEqual([null, null, null, 8, 8.01]);
    for (const c of [obs, p10, p50, p90]) expect(c).toHaveLength(xs.length);
  });
  it('merges a day that is both observed and forecast, and tolerates gaps', () => {
    const f = reply({
      observed: [{ date: '2026-11-20', v: 1 }, { date: '2026-11-27', v: 2 }],
      points: [{ h: 1, date: '2026-11-27', p10: 0, p50: 1, p90: 2 }],
    });
    const [xs, obs, , p50] = forecastColumns(f);
    expect(xs).toEqual([X('2026-11-20'), X('2026-11-27')]);
    expect(obs).toEqual([1, 2]);
    expect(p50).toEqual([null, 1]);
  });
});

describe('horizonWindow', () => {
  const f = reply();
  const o = X('2026-11-26');
  it('shows h forecast days and as many observed days (at least 14)', () => {
    expect(horizonWindow(f, 30)).toEqual([o - 30 * DAY_S, o + 30 * DAY_S]);
    expect(horizonWindow(f, 7)).toEqual([o - 14 * DAY_S, o + 7 * DAY_S]);
  });
  it('never starts before the first observed day', () => {
    expect(horizonWindow(f, 90)).toEqual([X(day(-59)), o + 90 * DAY_S]);
  });
  it('falls back to the last observed day, or the day before horizon 1, as origin', () => {
    expect(originUnix(reply({ origin: '' }))).toBe(o);
    expect(originUnix(reply({ origin: '', observed: [] }))).toBe(o);
    expect(horizonWindow(reply({ observed: [] }), 30)).toEqual([o, o + 30 * DAY_S]);
  });
});

describe('quantilesAt', () => {
  it('finds the point of a horizon', () => {
    expect(quantilesAt(reply(), 7)).toEqual({ h: 7, date: '2026-12-03', p10: 5.94, p50: 7, p90: 8.06 });
    expect(quantilesAt(reply({}, 60, 10), 30)).toBeNull();
  });
});

describe('isNewer / forecastsFromMessage', () => {
  it('prefers the later issue time', () => {
    const a = reply({ issued_at: '2026-11-27T10:00:00Z' });
    const b = reply({ issued_at: '2026-11-27T11:00:00Z' });
    expect(isNewer(null, a)).toBe(true);
    expect(isNewer(a, b)).toBe(true);
    expect(isNewer(b, a)).toBe(false);
    expect(isNewer(a, a)).toBe(true);
    expect(isNewer(a, reply({ issued_at: '' }))).toBe(true);
  });
  it('takes the forecast(s) of a prediction_update for the open station only', () => {
    const msg = (station_id: string | number, forecast: unknown, forecasts?: unknown) =>
      ({ type: 'prediction_update', station_id, timestamp: 'x', predictions: { forecasts: { '7': {} } }, forecast, forecasts }) as HubMessage;
    const params = (l: ForecastReply[]) => l.map((f) => f.parameter);
    expect(params(forecastsFromMessage(msg('apacpwq', reply()), 'apacpwq'))).toEqual(['dissolved_oxygen']);
    expect(forecastsFromMessage(msg('other', reply({ station_id: 'other' })), 'apacpwq')).toEqual([]);
    expect(forecastsFromMessage(msg(1, reply({ station_id: '' })), '1')[0]?.station_id).toBe('');
    expect(forecastsFromMessage(msg('apacpwq', null), 'apacpwq')).toEqual([]);
    expect(forecastsFromMessage({ type: 'pong' }, 'apacpwq')).toEqual([]);
    // The hub's per-station frame: every parameter in a `forecasts` array.
    const all = msg('apacpwq', undefined, [reply(), reply({ parameter: 'temperature' }), { parameter: 'broken' }]);
    expect(params(forecastsFromMessage(all, 'apacpwq'))).toEqual(['dissolved_oxygen', 'temperature']);
  });
});

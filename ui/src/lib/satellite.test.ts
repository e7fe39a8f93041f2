import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HubMessage, SatelliteReply, SatelliteScene, SatelliteValue } from '../platform/types';
import {
  SAT_REFRESH_MS,
  SAT_WAITING_REFRESH_MS,
  algorithmName,
  cloudText,
  formatDifference,
  inSituCell,
  overpassOffset,
  platformLabel,
  satCell,
  satDifference,
  satMode,
  satRefreshMs,
  satUnit,
  sceneAdjacency,
  sceneValidPixels,
  sortScenes,
} from './satellite';
import { PolledStore } from './polled.svelte';
import type { PollDeps } from './poll';
import { setLocale } from './i18n';

afterEach(() => setLocale('en'));

const val = (value: number | null, extra: Partial<SatelliteValue> = {}): SatelliteValue => ({
  algorithm: 'nechad2016_s2b4',
  unit: 'FNU',
  value,
  valid_pixels: value === null ? 2 : 9,
  adjacency: false,
  ...extra,
});

function scene(over: Partial<SatelliteScene> = {}): SatelliteScene {
  return {
    scene_id: 'S2B_16RFU_20261204_0_L2A',
    acquired_at: '2026-12-04T16:40:00Z',
    acquired_ms: Date.parse('2026-12-04T16:40:00Z'),
    platform: 'sentinel-2b',
    collection: 'sentinel-2-l2a',
    cloud_cover: 4.1,
    catalogue: 'earth-search.aws.element84.com',
    computed_at: '2026-12-06T21:00:00Z',
    values: {
      turbidity: val(12.97),
      ndti: val(-0.348, { algorithm: 'ndti_lacaux2007', unit: '1' }),
      chla: val(18.6, { algorithm: 'chla_ndci_mishra2012_field', unit: 'mg/m3' }),
    },
    in_situ: {
      turbidity: { parameter: 'turbidity', value: 11.2, unit: 'NTU', observed_at: '2026-12-04T16:28:00Z', minutes_from_overpass: -12 },
    },
    ...over,
  };
}

function reply(over: Partial<SatelliteReply> = {}): SatelliteReply {
  return {
    station_id: 'apacpwq',
    location: { lat: 29.7021, lon: -84.8802 },
    generated_at: '2026-12-06T21:00:00Z',
    days: 365,
    enabled: true,
    catalogue: 'https://earth-search.aws.element84.com/v1',
    min_valid_pixels: 5,
    in_situ_window_h: 6,
    source: null,
    scenes: [scene()],
    ...over,
  };
}

describe('satellite cells', () => {
  it('shows a number with its unit, never 0 for a null value', () => {
    expect(satCell(val(12.97))).toEqual({ state: 'value', value: 12.97, text: '12.97 FNU' });
    const few = satCell(val(null, { valid_pixels: 2 }));
    expect(few).toEqual({ state: 'few', value: null, text: 'too few water pixels (2 valid)' });
    expect(few.text).not.toMatch(/\b0\b/);
    expect(satCell(undefined)).toEqual({ state: 'absent', value: null, text: '—' });
    expect(satCell(val(Number.NaN)).state).toBe('few');
  });

  it('formats the units of the products', () => {
    expect(satUnit('mg/m3')).toBe('mg/m³');
    expect(satUnit('1')).toBe('');
    expect(satUnit('FNU')).toBe('FNU');
    expect(satCell(val(-0.348, { unit: '1' })).text).toBe('-0.348');
    expect(satCell(val(18.6, { unit: 'mg/m3' })).text).toBe('18.6 mg/m³');
  });

  it('is translated', () => {
    setLocale('hi');
    expect(satCell(val(null, { valid_pixels: 3 })).text).toContain('3');
    expect(satCell(val(null, { valid_pixels: 3 })).text).not.toBe('too few water pixels (3 valid)');
  });
});

describe('in situ at the overpass', () => {
  it('shows the reading, its unit and when it was taken', () => {
    const c = inSituCell({ parameter: 'turbidity', value: 11.2, unit: 'NTU', observed_at: 'x', minutes_from_overpass: -12 }, 6);
    expect(c).toEqual({ state: 'value', value: 11.2, text: '11.2 NTU', offset: '12 min before' });
    expect(inSituCell({ parameter: 'chla', value: 6.1, unit: 'µg/L', observed_at: 'x', minutes_from_overpass: 95 }, 6).offset).toBe('1 h 35 min after');
    expect(inSituCell(undefined, 6)).toEqual({ state: 'none', value: null, text: 'none within ±6 h', offset: '' });
    expect(inSituCell({ parameter: 'chla', value: null, unit: 'µg/L', observed_at: 'x', minutes_from_overpass: 0 }, 3).state).toBe('none');
  });

  it('words the offset from the overpass', () => {
    expect(overpassOffset(0)).toBe('at the overpass');
    expect(overpassOffset(-0.4)).toBe('at the overpass');
    expect(overpassOffset(7)).toBe('7 min after');
    expect(overpassOffset(-60)).toBe('1 h 0 min before');
    expect(overpassOffset(null)).toBe('');
  });

  it('computes satellite minus in situ only when both are numbers', () => {
    const ins = { parameter: 'turbidity', value: 11.2, unit: 'NTU', observed_at: 'x', minutes_from_overpass: 0 };
    expect(satDifference(val(12.97), ins)).toBeCloseTo(1.77, 10);
    expect(satDifference(val(null), ins)).toBeNull();
    expect(satDifference(val(12.97), undefined)).toBeNull();
    expect(satDifference(undefined, ins)).toBeNull();
    expect(formatDifference(1.77)).toBe('+1.77');
    expect(formatDifference(-0.4)).toBe('-0.4');
    expect(formatDifference(0)).toBe('0');
    expect(formatDifference(null)).toBe('');
  });
});

describe('scene summary', () => {
  it('labels platform, cloud and algorithms', () => {
    expect(platformLabel('sentinel-2b')).toBe('Sentinel-2B');
    expect(platformLabel('landsat-9')).toBe('landsat-9');
    expect(platformLabel(null)).toBe('—');
    expect(cloudText(4.1)).toBe('4.1 %');
    expect(cloudText(38.5)).toBe('38.5 %');
    expect(cloudText(null)).toBe('—');
    expect(algorithmName('nechad2016_s2b4')).toContain('Nechad');
    expect(algorithmName('new_algo')).toBe('new_algo');
  });

  it('takes the valid pixels of turbidity (else the most of any product) and any adjacency', () => {
    expect(sceneValidPixels(scene())).toBe(9);
    expect(sceneValidPixels(scene({ values: { ndwi: val(0.1, { valid_pixels: 4 }), ndti: val(0.2, { valid_pixels: 7 }) } }))).toBe(7);
    expect(sceneValidPixels(scene({ values: {} }))).toBeNull();
    expect(sceneAdjacency(scene())).toBe(false);
    expect(sceneAdjacency(scene({ values: { ndti: val(0.2, { adjacency: true }) } }))).toBe(true);
  });

  it('sorts newest first', () => {
    const old = scene({ scene_id: 'old', acquired_ms: 1_000 });
    const neu = scene({ scene_id: 'new', acquired_ms: 5_000 });
    expect(sortScenes([old, neu]).map((s) => s.scene_id)).toEqual(['new', 'old']);
  });
});

describe('panel mode and refresh', () => {
  it('is off only when turned off without stored scenes', () => {
    expect(satMode(reply())).toBe('scenes');
    expect(satMode(reply({ enabled: false }))).toBe('scenes');
    expect(satMode(reply({ enabled: false, scenes: [] }))).toBe('off');
    expect(satMode(reply({ scenes: [] }))).toBe('waiting');
  });

  it('refreshes sooner while waiting for the first scenes', () => {
    expect(satRefreshMs(null)).toBe(SAT_REFRESH_MS);
    expect(satRefreshMs(reply({ scenes: [] }))).toBe(SAT_WAITING_REFRESH_MS);
    expect(satRefreshMs(reply())).toBe(SAT_REFRESH_MS);
    expect(satRefreshMs(reply({ enabled: false, scenes: [] }))).toBe(SAT_REFRESH_MS);
  });

  it('a PolledStore asks the interval again after each load', async () => {
    const timers: number[] = [];
    const pollDeps: PollDeps = {
      setTimeout: (_fn, ms) => timers.push(ms),
      clearTimeout: () => {},
      isHidden: () => false,
      onVisibilityChange: () => () => {},
    };
    const fetch = vi.fn(async () => reply({ scenes: [] }));
    const store = new PolledStore<SatelliteReply>({ fetch, subscribe: (_h: (m: HubMessage) => void) => () => {}, refreshMs: satRefreshMs, pollDeps });
    const stop = store.start('apacpwq');
    await new Promise((r) => setTimeout(r, 0));
    expect(store.state).toBe('ok');
    expect(timers).toEqual([SAT_WAITING_REFRESH_MS]);
    stop();
  });
});

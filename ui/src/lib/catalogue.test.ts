import { describe, expect, it, vi } from 'vitest';
import type { AreaSummary, CatalogueQuery, CatalogueReply, Station } from '../platform/types';
import { areaHref, areaName, areaRows, areaStatus, stationHref } from './catalogue';
import { CatalogueStore } from './catalogue.svelte';
import { parseRoute } from './route';

const station = (id: string, over: Partial<Station> = {}): Station => ({
  id,
  name: id.toUpperCase(),
  legacy_id: null,
  location: null,
  source: 'mqtt',
  latest: {},
  wqi: 70,
  class: null,
  mpcb_class: null,
  classification: null,
  status: null,
  alert_level: 'ok',
  last_update: '2026-11-27T10:00:00Z',
  online: true,
  ...over,
});
const meta = (id: string, name: string, over = {}) => ({ id, name, lat: null, lon: null, river: 'Godavari', district: 'Nashik', state: 'Maharashtra', basin: null, ...over });

describe('area summary model', () => {
  it('links areas and stations', () => {
    expect(areaHref('river', 'Godavari')).toBe('#/river/Godavari');
    expect(areaHref('state', 'Tamil Nadu')).toBe('#/state/Tamil%20Nadu');
    expect(stationHref('NWMP-4359')).toBe('#/station/NWMP-4359');
    expect(parseRoute(areaHref('district', 'Pune City / Haveli'))).toEqual({ name: 'area', kind: 'district', value: 'Pune City / Haveli' });
  });

  it('counts status like the hub: offline first, then the alert level, no summary = no data', () => {
    expect(areaStatus(null)).toBe('no_data');
    expect(areaStatus(station('a', { online: false, alert_level: 'critical' }))).toBe('offline');
    expect(areaStatus(station('a', { alert_level: 'critical' }))).toBe('critical');
    expect(areaStatus(station('a', { alert_level: 'warning' }))).toBe('warning');
    expect(areaStatus(station('a'))).toBe('ok');
  });

  it('lists stations worst first, then by name, live ones linkable', () => {
    const r: AreaSummary = {
      river: 'Godavari',
      generated_at: '2026-11-27T10:00:00Z',
      stations_total: 3,
      counts: { ok: 1, warning: 0, critical: 1, offline: 0, no_data: 1 },
      mean_wqi: 60,
      worst_wqi: 50,
      stations: [
        { metadata: meta('NWMP-1', 'Zeta'), station: null },
        { metadata: meta('b', 'Beta'), station: station('b') },
        { metadata: meta('c', ''), station: station('c', { alert_level: 'critical', wqi: 50 }) },
      ],
    };
    expect(areaRows(r).map((x) => [x.id, x.name, x.status, x.live, x.wqi])).toEqual([
      ['c', 'C', 'critical', true, 50],
      ['b', 'Beta', 'ok', true, 70],
      ['NWMP-1', 'Zeta', 'no_data', false, null],
    ]);
    expect(areaName(r, 'river', 'godavari')).toBe('Godavari');
    expect(areaName(r, 'district', 'Nashik')).toBe('Nashik');
    expect(areaRows(null)).toEqual([]);
  });
});

const catReply = (n: number, total = n): CatalogueReply => ({
  total,
  catalogue_size: 1800,
  stations: Array.from({ length: n }, (_, i) => ({ id: `NWMP-${i}`, code: String(i), name: `S${i}`, river: 'Godavari', state: 'Maharashtra', years: [2012, 2023], sources: ['cpcb_nwmp'], live: false })),
  states: [{ name: 'Maharashtra', stations: n }],
  rivers: [{ name: 'Godavari', stations: n }],
});

function setupCatalogue(impl?: (q: CatalogueQuery) => Promise<CatalogueReply>) {
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const fetchCatalogue = vi.fn(impl ?? (async () => catReply(2)));
  const store = new CatalogueStore({
    fetchCatalogue,
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => ((t as { cleared: boolean }).cleared = true),
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cleared) t.fn();
  };
  return { store, fetchCatalogue, timers, fire };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('CatalogueStore', () => {
  it('searches at once on first show, then not again for the same query', async () => {
    const s = setupCatalogue();
    s.store.ensure();
    expect(s.store.loading).toBe(true);
    await settle();
    expect(s.store.loading).toBe(false);
    expect(s.store.reply?.total).toBe(2);
    s.store.ensure();
    await settle();
    expect(s.fetchCatalogue).toHaveBeenCalledTimes(1);
    expect(s.fetchCatalogue.mock.calls[0][0]).toEqual({ q: '', state: '', river: '', limit: 200 });
  });

  it('debounces typing by 250 ms and only searches the last text', async () => {
    const s = setupCatalogue();
    s.store.setText('g');
    s.store.setText('go');
    s.store.setText('godavari ');
    expect(s.fetchCatalogue).not.toHaveBeenCalled();
    expect(s.timers.filter((t) => !t.cleared).map((t) => t.ms)).toEqual([250]);
    s.fire();
    await settle();
    expect(s.fetchCatalogue).toHaveBeenCalledTimes(1);
    expect(s.fetchCatalogue.mock.calls[0][0]).toMatchObject({ q: 'godavari' });
  });

  it('searches at once when a state or river is chosen (dropping a pending text search)', async () => {
    const s = setupCatalogue();
    s.store.setText('pune');
    s.store.setState('Maharashtra');
    expect(s.timers.every((t) => t.cleared)).toBe(true);
    s.store.setRiver('Mula');
    await settle();
    expect(s.fetchCatalogue.mock.calls.map((c) => c[0])).toEqual([
      { q: 'pune', state: 'Maharashtra', river: '', limit: 200 },
      { q: 'pune', state: 'Maharashtra', river: 'Mula', limit: 200 },
    ]);
    s.store.clear();
    await settle();
    expect(s.fetchCatalogue.mock.calls.at(-1)?.[0]).toEqual({ q: '', state: '', river: '', limit: 200 });
  });

  it('shows only the newest answer and keeps the last reply on an error', async () => {
    const pending: ((r: CatalogueReply) => void)[] = [];
    const s = setupCatalogue((q) => (q.q === 'slow' ? new Promise((res) => pending.push(res)) : Promise.resolve(catReply(1))));
    s.store.setText('slow');
    s.fire();
    s.store.setText('fast');
    s.fire();
    await settle();
    pending[0](catReply(9));
    await settle();
    expect(s.store.reply?.total).toBe(1);
    expect(s.store.loading).toBe(false);

    const f = setupCatalogue(async () => {
      throw new Error('HTTP 500');
    });
    f.store.ensure();
    await settle();
    expect(f.store.error).toBe('HTTP 500');
    // A failed query is asked again when the view is shown again.
    f.store.ensure();
    await settle();
    expect(f.fetchCatalogue).toHaveBeenCalledTimes(2);
  });
});

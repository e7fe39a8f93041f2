import { describe, expect, it } from 'vitest';
import { ClusterIndex, clusterPoints, inBox, project, type ClusterPoint } from './cluster';
import { clusterSize, loadRiversPref, markerStyle, RIVERS_KEY, riverColour, saveRiversPref, STATUS_COLOURS, styleOf, textOn, worstOf, type MarkerInfo } from './mapstyle';
import { CLASS_COLOURS } from './format';

type P = ClusterPoint<MarkerInfo>;
const pt = (id: string, lat: number, lon: number, data: MarkerInfo = { cls: 'A', status: 'ok' }): P => ({ id, lat, lon, data });

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` stations spread over India (lat 8–32, lon 69–92), a few in tight groups. */
function india(n: number, seed = 1): P[] {
  const r = rng(seed);
  const statuses = ['ok', 'ok', 'ok', 'warning', 'critical', 'offline'] as const;
  const classes = ['A', 'B', 'C', 'D', 'E', null] as const;
  return Array.from({ length: n }, (_, i) => ({
    id: `st-${String(i).padStart(5, '0')}`,
    lat: 8 + r() * 24,
    lon: 69 + r() * 23,
    data: { cls: classes[Math.floor(r() * classes.length)], status: statuses[Math.floor(r() * statuses.length)] },
  }));
}

function dist(a: P, b: P, zoom: number): number {
  const p = project(a.lat, a.lon, zoom);
  const q = project(b.lat, b.lon, zoom);
  return Math.hypot(p.x - q.x, p.y - q.y);
}

describe('project', () => {
  it('matches Leaflet EPSG:3857 world pixels', () => {
    expect(project(0, 0, 0)).toEqual({ x: 128, y: 128 });
    expect(project(0, -180, 1).x).toBe(0);
    expect(project(0, 180, 1).x).toBe(512);
    const p = project(85.0511287798, 0, 0);
    expect(p.y).toBeCloseTo(0, 6);
    // Leaflet: map.project([18.8853, 73.1733], 4) ≈ (2880.55, 1829.13) (R·ln tan(π/4 + φ/2) form)
    const q = project(18.8853, 73.1733, 4);
    expect(q.x).toBeCloseTo(2880.55, 1);
    expect(q.y).toBeCloseTo(1829.13, 1);
  });
});

describe('clusterPoints', () => {
  // Two Patalganga stations 17 km apart and one in Florida (the demo hub's stations).
  const demo = [pt('NWMP-1151', 18.8853, 73.1733), pt('NWMP-2685', 18.7461, 73.096, { cls: 'C', status: 'warning' }), pt('apacpwq', 29.7021, -84.8802)];

  it('merges near points at a low zoom and splits them when zoomed in', () => {
    const low = clusterPoints(demo, 3);
    expect(low.map((g) => [g.key, g.members.length])).toEqual([
      ['c:NWMP-1151', 2],
      ['s:apacpwq', 1],
    ]);
    const c = low[0];
    expect(c.lat).toBeCloseTo((18.8853 + 18.7461) / 2, 6);
    expect([c.south, c.west, c.north, c.east]).toEqual([18.7461, 73.096, 18.8853, 73.1733]);
    const high = clusterPoints(demo, 11);
    expect(high.map((g) => g.key)).toEqual(['s:NWMP-1151', 's:NWMP-2685', 's:apacpwq']);
  });

  it('does not cluster at the maximum zoom or below the minimum size', () => {
    expect(clusterPoints(demo, 3, { maxZoom: 3 }).every((g) => g.members.length === 1)).toBe(true);
    expect(clusterPoints(demo, 3, { minSize: 3 }).every((g) => g.members.length === 1)).toBe(true);
    const same = [pt('a', 20, 80), pt('b', 20, 80), pt('c', 20, 80)];
    expect(clusterPoints(same, 14, { maxZoom: 14 })).toHaveLength(3);
    expect(clusterPoints(same, 13, { maxZoom: 14 })).toHaveLength(1);
  });

  it('keeps every point exactly once, members within the radius of the seed, in a stable order', () => {
    const pts = india(5000);
    for (const zoom of [3, 4.5, 6, 8, 10]) {
      const groups = clusterPoints(pts, zoom);
      const ids = groups.flatMap((g) => g.members.map((m) => m.id));
      expect(ids.length).toBe(pts.length);
      expect(new Set(ids).size).toBe(pts.length);
      for (const g of groups) {
        const seed = g.members[0];
        expect(g.key).toBe(g.members.length > 1 ? `c:${seed.id}` : `s:${seed.id}`);
        for (const m of g.members) expect(dist(seed, m, zoom)).toBeLessThanOrEqual(40 + 1e-9);
      }
      // Same input in another order: same groups.
      const again = clusterPoints([...pts].reverse(), zoom);
      expect(again.map((g) => g.key)).toEqual(groups.map((g) => g.key));
    }
  });

  it('reduces 5,000 stations to a few hundred markers at country zoom, quickly', () => {
    const pts = india(5000, 7);
    const t0 = performance.now();
    const groups = clusterPoints(pts, 5);
    const ms = performance.now() - t0;
    expect(groups.length).toBeLessThan(500);
    expect(groups.length).toBeGreaterThan(20);
    expect(ms).toBeLessThan(250);
    // No two cluster seeds closer than the radius (a seed never lies inside another's reach).
    const seeds = groups.map((g) => g.members[0]);
    for (let i = 0; i < 60; i++) for (let j = i + 1; j < seeds.length; j++) expect(dist(seeds[i], seeds[j], 5)).toBeGreaterThan(40);
  });
});

describe('inBox', () => {
  it('filters by the viewport, across the date line too', () => {
    const box = { south: 10, west: 70, north: 30, east: 90 };
    expect(inBox({ lat: 20, lon: 80 }, box)).toBe(true);
    expect(inBox({ lat: 5, lon: 80 }, box)).toBe(false);
    expect(inBox({ lat: 20, lon: 95 }, box)).toBe(false);
    expect(inBox({ lat: 20, lon: -170 }, { south: 0, west: 170, north: 40, east: 200 })).toBe(true);
  });
});

describe('ClusterIndex', () => {
  it('caches per zoom, keeps the cache on data-only updates and drops it on moves', () => {
    const idx = new ClusterIndex<MarkerInfo>({ radius: 40 });
    const pts = india(300, 3);
    expect(idx.setPoints(pts)).toBe(true);
    const a = idx.clusters(5);
    expect(idx.clusters(5)).toBe(a);
    // Status update only: same groups (same objects), new data visible through them.
    const upd = pts.map((p, i) => (i === 0 ? { ...p, data: { cls: 'E' as const, status: 'critical' as const } } : p));
    expect(idx.setPoints(upd)).toBe(false);
    expect(idx.clusters(5)).toBe(a);
    const first = a.flatMap((g) => g.members).find((m) => m.id === pts[0].id)!;
    expect(first.data).toEqual({ cls: 'E', status: 'critical' });
    // A station moved: recluster.
    const moved = upd.map((p, i) => (i === 1 ? { ...p, lat: p.lat + 1 } : p));
    expect(idx.setPoints(moved)).toBe(true);
    expect(idx.clusters(5)).not.toBe(a);
    // A station removed: recluster.
    expect(idx.setPoints(moved.slice(1))).toBe(true);
    expect(idx.size).toBe(299);
  });

  it('returns only the groups in view', () => {
    const idx = new ClusterIndex<MarkerInfo>();
    idx.setPoints(india(2000, 5));
    const all = idx.clusters(7);
    const box = { south: 18, west: 72, north: 20, east: 75 };
    const vis = idx.visible(7, box);
    expect(vis.length).toBeGreaterThan(0);
    expect(vis.length).toBeLessThan(all.length / 5);
    expect(vis.every((g) => g.lat >= 18 && g.lat <= 20 && g.lon >= 72 && g.lon <= 75)).toBe(true);
  });
});

describe('cluster styles', () => {
  it('takes the worst class and status inside', () => {
    expect(worstOf([])).toEqual({ cls: null, status: 'ok' });
    expect(
      worstOf([
        { cls: 'A', status: 'ok' },
        { cls: null, status: 'offline' },
        { cls: 'C', status: 'warning' },
      ]),
    ).toEqual({ cls: 'C', status: 'warning' });
    expect(
      worstOf([
        { cls: 'E', status: 'offline' },
        { cls: 'B', status: 'critical' },
      ]),
    ).toEqual({ cls: 'E', status: 'critical' });
    expect(worstOf([{ cls: null, status: 'ok' }])).toEqual({ cls: null, status: 'ok' });
  });

  it('colours like the markers (same palette)', () => {
    expect(styleOf({ cls: 'D', status: 'ok' }, 'class')).toEqual({ fill: CLASS_COLOURS.D, ring: '#ffffff' });
    expect(styleOf({ cls: 'D', status: 'critical' }, 'class')).toEqual({ fill: CLASS_COLOURS.D, ring: STATUS_COLOURS.critical });
    expect(styleOf({ cls: 'D', status: 'warning' }, 'status')).toEqual({ fill: STATUS_COLOURS.warning, ring: '#ffffff' });
    expect(markerStyle({ class: 'B', alert_level: 'critical', online: false }, 'status')).toEqual({ fill: STATUS_COLOURS.offline, ring: '#ffffff' });
  });

  it('picks a readable count colour and grows with the count', () => {
    expect(textOn('#ffffff')).toBe('#1b1b1b');
    expect(textOn('#000000')).toBe('#ffffff');
    expect(textOn(STATUS_COLOURS.warning)).toBe('#1b1b1b');
    expect(textOn('#1a237e')).toBe('#ffffff');
    expect(clusterSize(2)).toBeLessThan(clusterSize(50));
    expect(clusterSize(50)).toBeLessThan(clusterSize(500));
    expect(clusterSize(500)).toBeLessThan(clusterSize(5000));
  });
});

describe('rivers preference', () => {
  it('defaults to on and persists', () => {
    const m = new Map<string, string>();
    const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    expect(loadRiversPref(s)).toBe(true);
    saveRiversPref(false, s);
    expect(m.get(RIVERS_KEY)).toBe('0');
    expect(loadRiversPref(s)).toBe(false);
    saveRiversPref(true, s);
    expect(loadRiversPref(s)).toBe(true);
    expect(loadRiversPref(null)).toBe(true); // storage failures: prefs.test.ts
  });
});

describe('river colour', () => {
  it('follows the land colour of the theme', () => {
    expect(riverColour('#f7f5ef')).toBe('#2b78bb');
    expect(riverColour('#1d2a33')).toBe('#5ea8e6');
  });
});

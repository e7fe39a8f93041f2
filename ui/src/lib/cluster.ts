// Screen-space marker clustering for the map (pure; unit tested).
//
// Points are projected to Web Mercator world pixels at the map's zoom (Leaflet's EPSG:3857 with
// 256 px tiles), so the clusters depend on the zoom only: a pan filters the cached clusters by
// the viewport, it does not recluster. Greedy grid clustering: in id order, each point not yet
// taken seeds a group and takes every free point within `radius` px (only the 3 × 3 grid cells
// around it are searched), so 5,000 points take a few milliseconds.

export interface ClusterPoint<T = unknown> {
  id: string;
  lat: number;
  lon: number;
  data: T;
}

export interface Group<T = unknown> {
  /** `s:<id>` for a single point, `c:<smallest id>` for a cluster. */
  key: string;
  /** The point's position, or the members' mean position for a cluster. */
  lat: number;
  lon: number;
  /** In id order. */
  members: ClusterPoint<T>[];
  south: number;
  west: number;
  north: number;
  east: number;
}

export interface ClusterOptions {
  /** Points closer than this (px) merge. Default 40. */
  radius?: number;
  /** Smallest group shown as a cluster; smaller groups show their points. Default 2. */
  minSize?: number;
  /** At or above this zoom nothing is clustered. */
  maxZoom?: number;
}

export interface Box {
  south: number;
  west: number;
  north: number;
  east: number;
}

const MAX_LAT = 85.0511287798;

/** Web Mercator world pixel of a position at a (possibly fractional) zoom. */
export function project(lat: number, lon: number, zoom: number): { x: number; y: number } {
  const scale = 256 * 2 ** zoom;
  const sin = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
  return { x: (scale * (lon + 180)) / 360, y: scale * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function single<T>(p: ClusterPoint<T>): Group<T> {
  return { key: `s:${p.id}`, lat: p.lat, lon: p.lon, members: [p], south: p.lat, west: p.lon, north: p.lat, east: p.lon };
}

function group<T>(members: ClusterPoint<T>[]): Group<T> {
  let lat = 0;
  let lon = 0;
  let south = Infinity;
  let west = Infinity;
  let north = -Infinity;
  let east = -Infinity;
  for (const m of members) {
    lat += m.lat;
    lon += m.lon;
    south = Math.min(south, m.lat);
    north = Math.max(north, m.lat);
    west = Math.min(west, m.lon);
    east = Math.max(east, m.lon);
  }
  members.sort(byId);
  return { key: `c:${members[0].id}`, lat: lat / members.length, lon: lon / members.length, members, south, west, north, east };
}

/** Groups `points` at `zoom`. The result is in a stable order (by the smallest member id). */
export function clusterPoints<T>(points: readonly ClusterPoint<T>[], zoom: number, opts: ClusterOptions = {}): Group<T>[] {
  const radius = opts.radius ?? 40;
  const minSize = Math.max(2, opts.minSize ?? 2);
  const sorted = [...points].sort(byId);
  if ((opts.maxZoom !== undefined && zoom >= opts.maxZoom) || !(radius > 0)) return sorted.map(single);
  const n = sorted.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const cells = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const { x, y } = project(sorted[i].lat, sorted[i].lon, zoom);
    xs[i] = x;
    ys[i] = y;
    const k = `${Math.floor(x / radius)},${Math.floor(y / radius)}`;
    const cell = cells.get(k);
    if (cell) cell.push(i);
    else cells.set(k, [i]);
  }
  const taken = new Uint8Array(n);
  const r2 = radius * radius;
  const out: Group<T>[] = [];
  for (let i = 0; i < n; i++) {
    if (taken[i]) continue;
    taken[i] = 1;
    const near = [i];
    const cx = Math.floor(xs[i] / radius);
    const cy = Math.floor(ys[i] / radius);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const cell = cells.get(`${cx + dx},${cy + dy}`);
        if (!cell) continue;
        for (const j of cell) {
          if (taken[j]) continue;
          const ex = xs[j] - xs[i];
          const ey = ys[j] - ys[i];
          if (ex * ex + ey * ey <= r2) {
            taken[j] = 1;
            near.push(j);
          }
        }
      }
    }
    if (near.length >= minSize) out.push(group(near.map((j) => sorted[j])));
    else for (const j of near) out.push(single(sorted[j]));
  }
  return out.sort((a, b) => byId(a.members[0], b.members[0]));
}

/** Whether a group's position lies in `box` (longitudes also tried one world to each side). */
export function inBox(g: Pick<Group, 'lat' | 'lon'>, box: Box): boolean {
  if (g.lat < box.south || g.lat > box.north) return false;
  for (const lon of [g.lon, g.lon - 360, g.lon + 360]) if (lon >= box.west && lon <= box.east) return true;
  return false;
}

/**
 * Clusters cached per zoom. `setPoints` keeps the cache when no id or position changed (a class
 * or status update only restyles), so live updates do not recluster.
 */
export class ClusterIndex<T> {
  private points: ClusterPoint<T>[] = [];
  private byZoom = new Map<number, Group<T>[]>();

  constructor(private readonly opts: ClusterOptions = {}) {}

  get size(): number {
    return this.points.length;
  }

  /** Returns true when the geometry changed (ids or positions) and the cache was dropped. */
  setPoints(points: readonly ClusterPoint<T>[]): boolean {
    const next = [...points].sort(byId);
    const same =
      next.length === this.points.length &&
      next.every((p, i) => p.id === this.points[i].id && p.lat === this.points[i].lat && p.lon === this.points[i].lon);
    if (same) {
      // The cached groups hold these very objects: refresh their data in place.
      next.forEach((p, i) => (this.points[i].data = p.data));
      return false;
    }
    this.points = next.map((p) => ({ ...p }));
    this.byZoom.clear();
    return true;
  }

  clusters(zoom: number): Group<T>[] {
    let g = this.byZoom.get(zoom);
    if (!g) {
      if (this.byZoom.size >= 32) this.byZoom.clear();
      g = clusterPoints(this.points, zoom, this.opts);
      this.byZoom.set(zoom, g);
    }
    return g;
  }

  /** The groups at `zoom` whose position is inside `box` (the viewport plus a margin). */
  visible(zoom: number, box: Box): Group<T>[] {
    return this.clusters(zoom).filter((g) => inBox(g, box));
  }
}

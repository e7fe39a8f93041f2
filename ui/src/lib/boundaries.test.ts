import { describe, expect, it } from 'vitest';
import assetText from '../assets/state-boundaries.topo.json?raw';
import { LABEL_MIN_ZOOM, boundaryLines, isStatesTopology, labelMinZoom, labelsInView, stateLabels, type StateLabel, type StateProps, type StatesTopology } from './boundaries';
import { stateBorderColour, textOn } from './mapstyle';

const asset: unknown = JSON.parse(assetText);
const WORLD = { south: -90, west: -180, north: 90, east: 180 };

/** Two 1° squares side by side (sharing x = 1) in `a`, one square in `b`. */
const tiny: StatesTopology = {
  type: 'Topology',
  arcs: [
    [
      [1, 0],
      [1, 1],
    ],
    [
      [1, 1],
      [0, 1],
      [0, 0],
      [1, 0],
    ],
    [
      [1, 0],
      [2, 0],
      [2, 1],
      [1, 1],
    ],
    [
      [5, 5],
      [6, 5],
      [6, 6],
      [5, 5],
    ],
  ],
  objects: {
    a: {
      type: 'GeometryCollection',
      geometries: [
        { type: 'Polygon', id: 'W', arcs: [[0, 1]], properties: { name: 'West', label: [0.5, 0.5], w: 1, h: 1 } },
        { type: 'Polygon', id: 'E', arcs: [[2, ~0]], properties: { name: 'East', label: [1.5, 0.5], w: 1, h: 1 } },
      ],
    },
    b: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', id: 'S', arcs: [[3]], properties: { name: 'Solo', label: [5.6, 5.4], w: 0.5, h: 1 } }] },
  },
};

describe('isStatesTopology', () => {
  it('accepts the asset and refuses other JSON', () => {
    expect(isStatesTopology(asset)).toBe(true);
    expect(isStatesTopology(tiny)).toBe(true);
    expect(isStatesTopology(null)).toBe(false);
    expect(isStatesTopology({ type: 'FeatureCollection', features: [] })).toBe(false);
    expect(isStatesTopology({ type: 'Topology', arcs: [], objects: {} })).toBe(false);
    expect(isStatesTopology({ type: 'Topology', arcs: [], objects: { x: { type: 'Polygon', arcs: [] } } })).toBe(false);
  });
});

describe('boundaryLines', () => {
  it('draws only borders between two states of the same object', () => {
    const lines = boundaryLines(tiny);
    expect(lines).toHaveLength(1);
    expect(lines[0].properties.country).toBe('a');
    expect(lines[0].geometry.coordinates).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('labels', () => {
  it('lists every named state with its label point', () => {
    const l = stateLabels(tiny);
    expect(l.map((x) => [x.key, x.name, x.lat, x.lon])).toEqual([
      ['a:W', 'West', 0.5, 0.5],
      ['a:E', 'East', 0.5, 1.5],
      ['b:S', 'Solo', 5.4, 5.6],
    ]);
    expect(l[0].minZoom).toBe(labelMinZoom(l[0]));
  });
  it('skips geometries without a name or label point', () => {
    const t: StatesTopology = {
      type: 'Topology',
      arcs: tiny.arcs,
      objects: {
        a: {
          type: 'GeometryCollection',
          geometries: [
            { type: 'Polygon', arcs: [[3]], properties: { name: '', label: [1, 1], w: 1, h: 1 } },
            { type: 'Polygon', arcs: [[3]] },
          ],
        },
      },
    };
    expect(stateLabels(t)).toEqual([]);
  });
  it('needs a larger zoom for a smaller state or a longer name, never below the minimum', () => {
    const big = labelMinZoom({ name: 'Maharashtra', lat: 19, w: 8, h: 6.5 });
    expect(big).toBe(LABEL_MIN_ZOOM);
    const delhi = labelMinZoom({ name: 'Delhi', lat: 28.6, w: 0.47, h: 0.45 });
    expect(delhi).toBeGreaterThan(6);
    expect(delhi).toBeLessThanOrEqual(8);
    expect(labelMinZoom({ name: 'Delhi but much longer', lat: 28.6, w: 0.47, h: 0.45 })).toBeGreaterThan(delhi);
    expect(labelMinZoom({ name: 'X', lat: 0, w: 0, h: 1 })).toBe(Infinity);
    expect((labelMinZoom({ name: 'Goa', lat: 15.4, w: 0.5, h: 0.5 }) * 2) % 1).toBe(0);
  });
  it('shows only the labels that fit at the zoom and lie in the view', () => {
    const labels: StateLabel[] = [
      { key: 'india:IN.MH', name: 'Maharashtra', lat: 19.4, lon: 75.6, w: 8, h: 6.5, minZoom: 5 },
      { key: 'india:IN.DL', name: 'Delhi', lat: 28.6, lon: 77.1, w: 0.47, h: 0.45, minZoom: 7.5 },
      { key: 'us:12', name: 'Florida', lat: 28.5, lon: -82, w: 5, h: 6, minZoom: 5 },
    ];
    const india = { south: 5, west: 65, north: 38, east: 98 };
    expect(labelsInView(labels, 4.5, WORLD)).toEqual([]);
    expect(labelsInView(labels, 5, india).map((l) => l.name)).toEqual(['Maharashtra']);
    expect(labelsInView(labels, 8, india).map((l) => l.name)).toEqual(['Delhi', 'Maharashtra']);
    expect(labelsInView(labels, 5, WORLD).map((l) => l.name)).toEqual(['Maharashtra', 'Florida']);
    // Seen across the antimeridian (the view's longitudes past 180°).
    expect(labelsInView(labels, 6, { south: 20, west: 250, north: 35, east: 300 }).map((l) => l.name)).toEqual(['Florida']);
  });
});

describe('the bundled asset (src/assets/state-boundaries.topo.json)', () => {
  const topo = asset as StatesTopology;
  const names = (k: string) => topo.objects[k].geometries.map((g) => (g.properties as StateProps).name);

  it('has the Indian states under their current names and no unnamed geometry', () => {
    const india = names('india');
    expect(india).toHaveLength(35);
    for (const n of ['Odisha', 'Uttarakhand', 'Andaman and Nicobar Islands', 'Maharashtra', 'Jammu and Kashmir', 'Andhra Pradesh', 'Delhi', 'Lakshadweep'])
      expect(india).toContain(n);
    for (const n of ['Orissa', 'Uttaranchal', 'Andaman and Nicobar']) expect(india).not.toContain(n);
    expect(india.every((n) => typeof n === 'string' && n.length > 0)).toBe(true);
    expect(new Set(india).size).toBe(india.length);
    // Honest about the edition: no states that Natural Earth drew after it.
    expect(india).not.toContain('Telangana');
    expect(india).not.toContain('Ladakh');
  });
  it('has the US states, DC and territories', () => {
    const us = names('us');
    expect(us).toHaveLength(56);
    for (const n of ['Florida', 'Alaska', 'Hawaii', 'District of Columbia', 'Puerto Rico']) expect(us).toContain(n);
  });
  it('puts every label point inside its country', () => {
    for (const l of stateLabels(topo)) {
      if (l.key.startsWith('india:')) {
        expect(l.lat).toBeGreaterThan(6);
        expect(l.lat).toBeLessThan(37);
        expect(l.lon).toBeGreaterThan(68);
        expect(l.lon).toBeLessThan(98);
      } else {
        expect(l.lat).toBeGreaterThan(-15);
        expect(l.lat).toBeLessThan(72);
      }
      expect(l.w).toBeGreaterThan(0);
    }
    const mh = stateLabels(topo).find((l) => l.name === 'Maharashtra')!;
    expect(mh.lat).toBeGreaterThan(16);
    expect(mh.lat).toBeLessThan(22);
    expect(mh.lon).toBeGreaterThan(73);
    expect(mh.lon).toBeLessThan(80.5);
    expect(mh.minZoom).toBe(LABEL_MIN_ZOOM);
  });
  it('gives border lines for both countries', () => {
    const lines = boundaryLines(topo);
    const by = (c: string) => lines.filter((l) => l.properties.country === c).length;
    expect(by('india')).toBeGreaterThan(20);
    expect(by('us')).toBeGreaterThan(20);
    // Every line lies within the asset's bounding box.
    const [x0, y0, x1, y1] = topo.bbox!;
    for (const l of lines) for (const [x, y] of l.geometry.coordinates) expect(x >= x0 - 0.01 && x <= x1 + 0.01 && y >= y0 - 0.01 && y <= y1 + 0.01).toBe(true);
  });
});

describe('stateBorderColour', () => {
  it('is a mid tone on light and on dark land', () => {
    const light = stateBorderColour('#f7f5ef');
    const dark = stateBorderColour('#1d2a33');
    expect(light).not.toBe(dark);
    expect(textOn(light)).toBe('#1b1b1b');
    expect(dark).toMatch(/^#[0-9a-f]{6}$/);
  });
});

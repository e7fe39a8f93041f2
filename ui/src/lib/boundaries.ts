// State boundaries on the map (pure; unit tested). The bundled asset
// (src/assets/state-boundaries.topo.json, made by scripts/prepare-boundaries.mjs) holds one
// TopoJSON object per country (`india`, `us`) of state polygons with a name and a label point.
// The map draws only the borders *between* two states of a country (the coasts and national
// borders are the base map's), as one line per stretch so Leaflet can skip those out of view,
// and a state's name once the state is wide enough on screen for it.
import { mesh } from 'topojson-client';
import type { GeometryCollection, GeometryObject, Topology } from 'topojson-specification';
import type { Feature, LineString } from 'geojson';
import { inBox, type Box } from './cluster';

export interface StateProps {
  name: string;
  /** [lon, lat] where the name goes. */
  label: [number, number];
  /** Width of the east–west run through the label point, and height of the state's largest part (degrees). */
  w: number;
  h: number;
}

export type StatesTopology = Topology<Record<string, GeometryCollection<StateProps>>>;

export interface StateLabel {
  /** `<object>:<id>`, e.g. `india:IN.MH`. */
  key: string;
  name: string;
  lat: number;
  lon: number;
  w: number;
  h: number;
  /** `labelMinZoom` of the label. */
  minZoom: number;
}

/** No names at a lower zoom (India fills the map around zoom 4–5). */
export const LABEL_MIN_ZOOM = 5;
/** Estimated width of a label character and the label's padding, px (0.7rem type). */
export const LABEL_CHAR_PX = 6.2;
export const LABEL_PAD_PX = 8;
/** Height a state needs on screen for its name, px. */
export const LABEL_HEIGHT_PX = 16;

/** Checks the shape of the fetched asset (objects of named polygons) before it is drawn. */
export function isStatesTopology(v: unknown): v is StatesTopology {
  if (!v || typeof v !== 'object') return false;
  const t = v as Partial<Topology>;
  if (t.type !== 'Topology' || !Array.isArray(t.arcs) || !t.objects || typeof t.objects !== 'object') return false;
  const objects = Object.values(t.objects);
  return objects.length > 0 && objects.every((o) => o.type === 'GeometryCollection' && Array.isArray(o.geometries));
}

/**
 * Borders shared by two different states of the same object, one LineString per stretch
 * (`properties.country` = the object's key).
 */
export function boundaryLines(topo: StatesTopology): Feature<LineString, { country: string }>[] {
  const out: Feature<LineString, { country: string }>[] = [];
  for (const [country, obj] of Object.entries(topo.objects)) {
    const m = mesh(topo as Topology, obj as GeometryObject, (a, b) => a !== b);
    for (const coordinates of m.coordinates)
      if (coordinates.length >= 2) out.push({ type: 'Feature', properties: { country }, geometry: { type: 'LineString', coordinates } });
  }
  return out;
}

/** Every named state with its label point. */
export function stateLabels(topo: StatesTopology): StateLabel[] {
  const out: StateLabel[] = [];
  for (const [country, obj] of Object.entries(topo.objects)) {
    for (const g of obj.geometries) {
      const p = g.properties as Partial<StateProps> | undefined;
      if (!p || typeof p.name !== 'string' || !p.name || !Array.isArray(p.label)) continue;
      const name = p.name;
      const [lon, lat] = p.label;
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
      const l = { key: `${country}:${g.id ?? name}`, name, lat, lon, w: Number(p.w) || 0, h: Number(p.h) || 0 };
      out.push({ ...l, minZoom: labelMinZoom(l) });
    }
  }
  return out;
}

/**
 * The lowest zoom (a multiple of 0.5, at least LABEL_MIN_ZOOM) at which the name fits across the
 * state's run and its height covers LABEL_HEIGHT_PX (Web Mercator: 256 · 2^z px per 360°
 * east–west, 1/cos(lat) times that north–south). Infinity for a state without an extent.
 */
export function labelMinZoom(l: Pick<StateLabel, 'name' | 'lat' | 'w' | 'h'>): number {
  if (!(l.w > 0) || !(l.h > 0)) return Infinity;
  const text = l.name.length * LABEL_CHAR_PX + LABEL_PAD_PX;
  const perDegree = 256 / 360; // px per degree at zoom 0
  const zw = Math.log2(text / (perDegree * l.w));
  const zh = Math.log2((LABEL_HEIGHT_PX * Math.cos((l.lat * Math.PI) / 180)) / (perDegree * l.h));
  return Math.max(LABEL_MIN_ZOOM, Math.ceil(Math.max(zw, zh) * 2) / 2);
}

/** The labels to show at `zoom` inside `box` (with its margin), in key order. */
export function labelsInView(labels: readonly StateLabel[], zoom: number, box: Box): StateLabel[] {
  if (zoom < LABEL_MIN_ZOOM) return [];
  return labels.filter((l) => l.minZoom <= zoom && inBox(l, box)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

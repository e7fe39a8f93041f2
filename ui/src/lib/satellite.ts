// Sentinel-2 estimates beside the in-situ values (station view, SatellitePanel.svelte): what a
// table cell shows for each product, the in-situ match at the overpass and the difference. Pure;
// unit tested. A value of null (too few valid water pixels) is never shown as a number.
import type { InSituMatch, SatelliteReply, SatelliteScene, SatelliteValue } from '../platform/types';
import { DASH, formatUnit, formatValue } from './format';
import { t } from './i18n';

/** Look-back asked of the hub by default (its own default too). */
export const SATELLITE_DAYS = 365;
export const SATELLITE_DAY_CHOICES = [90, 365, 1095] as const;
/** Scenes arrive at most every few hours: refresh every 10 min … */
export const SAT_REFRESH_MS = 10 * 60_000;
/** … but every 20 s while the layer is on and nothing was evaluated yet (its first poll is running). */
export const SAT_WAITING_REFRESH_MS = 20_000;

/** `off`: turned off and nothing stored; `waiting`: on, no scene yet; `scenes`: a table to show. */
export type SatMode = 'off' | 'waiting' | 'scenes';

export function satMode(reply: SatelliteReply): SatMode {
  if (reply.scenes?.length) return 'scenes';
  return reply.enabled ? 'waiting' : 'off';
}

/** How long until the next refresh, given what is shown. */
export function satRefreshMs(reply: SatelliteReply | null): number {
  return reply && satMode(reply) === 'waiting' ? SAT_WAITING_REFRESH_MS : SAT_REFRESH_MS;
}

/** Newest overpass first (the hub sends them so; kept when it does not). */
export function sortScenes(scenes: readonly SatelliteScene[]): SatelliteScene[] {
  return [...scenes].sort((a, b) => (b.acquired_ms ?? Date.parse(b.acquired_at)) - (a.acquired_ms ?? Date.parse(a.acquired_at)));
}

/** Units as shown: `mg/m3` → mg/m³, the indices' `1` → nothing. */
export function satUnit(unit: string | null | undefined): string {
  if (unit === '1') return '';
  if (unit === 'mg/m3') return 'mg/m³';
  return formatUnit(unit);
}

/** `value` a number; `few` too few valid water pixels (value null); `absent` not computed for this scene. */
export type SatCellState = 'value' | 'few' | 'absent';

export interface SatCell {
  state: SatCellState;
  value: number | null;
  text: string;
}

/** A product of a scene as shown: "12.97 FNU", "too few water pixels (2 valid)" or "—". */
export function satCell(v: SatelliteValue | null | undefined): SatCell {
  if (!v) return { state: 'absent', value: null, text: DASH };
  if (typeof v.value !== 'number' || !Number.isFinite(v.value)) {
    return { state: 'few', value: null, text: t('sat.fewPixels', { n: v.valid_pixels ?? 0 }) };
  }
  const u = satUnit(v.unit);
  return { state: 'value', value: v.value, text: u ? `${formatValue(v.value)} ${u}` : formatValue(v.value) };
}

/** The in-situ reading's distance from the overpass: "at the overpass", "12 min before", "1 h 5 min after". */
export function overpassOffset(minutes: number | null | undefined): string {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) return '';
  const m = Math.round(Math.abs(minutes));
  if (m === 0) return t('sat.atOverpass');
  const time = m < 60 ? t('sat.minutes', { n: m }) : t('duration.hm', { h: Math.floor(m / 60), m: m % 60 });
  return t(minutes < 0 ? 'sat.before' : 'sat.after', { time });
}

export interface InSituCell {
  state: 'value' | 'none';
  value: number | null;
  text: string;
  /** When it was read relative to the overpass (empty without a reading). */
  offset: string;
}

/** The in-situ reading nearest the overpass as shown, or "none within ±6 h". */
export function inSituCell(m: InSituMatch | null | undefined, windowH: number): InSituCell {
  if (!m || typeof m.value !== 'number' || !Number.isFinite(m.value)) {
    return { state: 'none', value: null, text: t('sat.noInSitu', { h: windowH }), offset: '' };
  }
  const u = formatUnit(m.unit);
  return {
    state: 'value',
    value: m.value,
    text: u ? `${formatValue(m.value)} ${u}` : formatValue(m.value),
    offset: overpassOffset(m.minutes_from_overpass),
  };
}

/** Satellite minus in situ, when both are numbers (FNU − NTU, mg/m³ − µg/L: same scale, not the same measurement). */
export function satDifference(sat: SatelliteValue | null | undefined, inSitu: InSituMatch | null | undefined): number | null {
  const a = sat?.value;
  const b = inSitu?.value;
  return typeof a === 'number' && Number.isFinite(a) && typeof b === 'number' && Number.isFinite(b) ? a - b : null;
}

/** "+1.77", "-0.4", "0"; "" without a difference. */
export function formatDifference(d: number | null): string {
  if (d === null || !Number.isFinite(d)) return '';
  return d > 0 ? `+${formatValue(d)}` : formatValue(d);
}

/** `sentinel-2b` → "Sentinel-2B"; other names as they are, none → "—". */
export function platformLabel(p: string | null | undefined): string {
  if (!p) return DASH;
  const m = /^sentinel-2([a-z])$/i.exec(p.trim());
  return m ? `Sentinel-2${m[1]!.toUpperCase()}` : p;
}

/** Whole-tile cloud cover: "4.1 %", "—" when unknown. */
export function cloudText(cc: number | null | undefined): string {
  return typeof cc === 'number' && Number.isFinite(cc) ? `${cc.toFixed(1)} %` : DASH;
}

/** Valid water pixels of the scene: the turbidity product's, else the most any product had. */
export function sceneValidPixels(scene: SatelliteScene): number | null {
  const tu = scene.values?.turbidity;
  if (tu) return tu.valid_pixels;
  const all = Object.values(scene.values ?? {}).filter((v): v is SatelliteValue => !!v);
  return all.length ? Math.max(...all.map((v) => v.valid_pixels)) : null;
}

/** The window around the station touches shore or cloud in any product. */
export function sceneAdjacency(scene: SatelliteScene): boolean {
  return Object.values(scene.values ?? {}).some((v) => v?.adjacency === true);
}

/** Published algorithm names (citations, the same in every language); unknown ids as they are. */
const ALGORITHMS: Record<string, string> = {
  nechad2016_s2b4: 'Nechad et al. 2016, band 4',
  ndti_lacaux2007: 'NDTI, Lacaux et al. 2007',
  ndwi_mcfeeters1996: 'NDWI, McFeeters 1996',
  ndci_mishra2012: 'NDCI, Mishra & Mishra 2012',
  chla_ndci_mishra2012_field: 'NDCI, Mishra & Mishra 2012 (field fit)',
};

export function algorithmName(id: string | null | undefined): string {
  if (!id) return '';
  return ALGORITHMS[id] ?? id;
}

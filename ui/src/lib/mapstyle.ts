// Marker and cluster colours for the map, and the map's stored preferences (pure).
import type { CpcbClass, Station } from '../platform/types';
import { classColour } from './format';
import { statusOf, type StatusFilter } from './overview';
import { flagPref } from './prefs';

export type ColourMode = 'class' | 'status';

export const STATUS_COLOURS: Record<StatusFilter, string> = {
  ok: '#1a9850',
  warning: '#f2b705',
  critical: '#d73027',
  offline: '#8a8f98',
};

/** Worst first: critical > warning > offline > ok (the overview's alert-level order). */
export const STATUS_RANK: Record<StatusFilter, number> = { ok: 0, offline: 1, warning: 2, critical: 3 };
const CLASS_RANK: Record<CpcbClass, number> = { A: 1, B: 2, C: 3, D: 4, E: 5 };

/** What a marker or a cluster is coloured by. */
export interface MarkerInfo {
  cls: CpcbClass | null;
  status: StatusFilter;
}

export function markerInfo(s: Pick<Station, 'class' | 'alert_level' | 'online'>): MarkerInfo {
  return { cls: s.class ?? null, status: statusOf(s) };
}

/** Fill and ring: by class the ring shows a non-ok status; by status the fill does. */
export function styleOf(m: MarkerInfo, mode: ColourMode): { fill: string; ring: string } {
  if (mode === 'status') return { fill: STATUS_COLOURS[m.status], ring: '#ffffff' };
  return { fill: classColour(m.cls), ring: m.status === 'ok' ? '#ffffff' : STATUS_COLOURS[m.status] };
}

export function markerStyle(s: Pick<Station, 'class' | 'alert_level' | 'online'>, mode: ColourMode): { fill: string; ring: string } {
  return styleOf(markerInfo(s), mode);
}

/**
 * The worst class (E … A; stations without a class are ignored unless none has one) and the
 * worst status inside a cluster.
 */
export function worstOf(items: Iterable<MarkerInfo>): MarkerInfo {
  let cls: CpcbClass | null = null;
  let status: StatusFilter = 'ok';
  for (const m of items) {
    if (m.cls && (cls === null || CLASS_RANK[m.cls] > CLASS_RANK[cls])) cls = m.cls;
    if (STATUS_RANK[m.status] > STATUS_RANK[status]) status = m.status;
  }
  return { cls, status };
}

function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return 0;
  const n = Number.parseInt(m[1], 16);
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
}

/** Near-black or white, whichever contrasts more with `fill` (WCAG contrast ratio). */
export function textOn(fill: string): '#1b1b1b' | '#ffffff' {
  const l = luminance(fill);
  const dark = luminance('#1b1b1b');
  return (l + 0.05) / (dark + 0.05) >= 1.05 / (l + 0.05) ? '#1b1b1b' : '#ffffff';
}

/** Cluster icon diameter in px, by the number of stations inside. */
export function clusterSize(n: number): number {
  return n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
}

export const RIVERS_KEY = 'purehealth.mapRivers';

/** The map's "Rivers" checkbox: on unless turned off. */
export const { load: loadRiversPref, save: saveRiversPref } = flagPref(RIVERS_KEY, true);

/** River lines: a darker blue on light land, a lighter one on dark land. */
export function riverColour(land: string): string {
  return textOn(land) === '#ffffff' ? '#5ea8e6' : '#2b78bb';
}

/** State borders: a muted violet-grey, lighter on dark land (drawn dashed, thinner than coasts). */
export function stateBorderColour(land: string): string {
  return textOn(land) === '#ffffff' ? '#75808f' : '#9d8fa6';
}

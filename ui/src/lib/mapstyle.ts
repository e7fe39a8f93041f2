// Marker colours for the map (pure).
import type { Station } from '../platform/types';
import { classColour } from './format';
import { statusOf, type StatusFilter } from './overview';

export type ColourMode = 'class' | 'status';

export const STATUS_COLOURS: Record<StatusFilter, string> = {
  ok: '#1a9850',
  warning: '#f2b705',
  critical: '#d73027',
  offline: '#8a8f98',
};

/** Fill and ring: by class the ring shows a non-ok status; by status the fill does. */
export function markerStyle(s: Pick<Station, 'class' | 'alert_level' | 'online'>, mode: ColourMode): { fill: string; ring: string } {
  const st = statusOf(s);
  if (mode === 'status') return { fill: STATUS_COLOURS[st], ring: '#ffffff' };
  return { fill: classColour(s.class), ring: st === 'ok' ? '#ffffff' : STATUS_COLOURS[st] };
}

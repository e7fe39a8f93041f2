// Government and weather connectors (CPCB, data.gov.in, CWC, IMD, Open-Meteo): their health as
// `/health` (`sources`) and `GET /api/sources` report it, and display names of the provenance
// strings the unified station view carries. Pure; unit tested.
import type { ConnectorHealth } from '../platform/types';
import { hasMessage, t } from './i18n';

/**
 * Colour level of a connector state. `auth` (not authorised) is kept apart from `warn`
 * (degraded = an outage or bad data): retrying does not help until the agency grants access.
 */
export type ConnectorLevel = 'ok' | 'warn' | 'auth' | 'off' | 'starting' | 'unknown';

const LEVELS: Record<string, ConnectorLevel> = {
  ok: 'ok',
  degraded: 'warn',
  not_authorised: 'auth',
  disabled: 'off',
  starting: 'starting',
};

export function connectorLevel(state: string | null | undefined): ConnectorLevel {
  return (state && LEVELS[state]) || 'unknown';
}

/** "OK", "Degraded", "Not authorised", "Off", "Starting"; an unknown state as it is. */
export function connectorStateLabel(state: string): string {
  const k = `connectors.state.${state}`;
  return hasMessage(k) ? t(k) : state;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The connector list in a `/health` reply's `sources`, or null when `sources` is not that list (an
 * older hub's shape, shown by the generic table instead). Items without a string `id` are dropped.
 */
export function connectorsFrom(sources: unknown): ConnectorHealth[] | null {
  if (!Array.isArray(sources) || !sources.length) return Array.isArray(sources) ? [] : null;
  const list = sources.filter((s): s is Record<string, unknown> => isObj(s) && typeof s.id === 'string' && typeof s.state === 'string');
  if (!list.length) return null;
  return list.map((s) => ({
    ...(s as unknown as ConnectorHealth),
    skipped_examples: Array.isArray(s.skipped_examples) ? (s.skipped_examples as unknown[]).map(String) : [],
  }));
}

/** Counts of connectors that need attention (degraded or not authorised). */
export function connectorProblems(list: readonly ConnectorHealth[]): number {
  return list.filter((c) => {
    const l = connectorLevel(c.state);
    return l === 'warn' || l === 'auth';
  }).length;
}

/** The configuration section that turns a connector on. */
export const configSection = (id: string): string => `[sources.${id}]`;
/** The environment variable that turns a connector on. */
export const enableEnv = (id: string): string => `PUREHEALTH_${id.toUpperCase()}_ENABLED`;

/** Agency and product names (proper names, the same in every language). */
const NAMES: Record<string, string> = {
  cpcb: 'CPCB RTWQMS',
  cpcb_rtwqms: 'CPCB RTWQMS',
  cpcb_nwmp: 'CPCB NWMP',
  datagov: 'data.gov.in',
  cwc: 'CWC',
  imd: 'IMD',
  openmeteo: 'Open-Meteo',
  satellite: 'Sentinel-2',
};

/** A connector id or provenance (`cpcb_rtwqms`) as a name; unknown ones as they are, null → "". */
export function connectorName(id: string | null | undefined): string {
  if (!id) return '';
  return NAMES[id] ?? id;
}

// History backfill (POST /api/backfill, backfill_progress frames): which sources a station can
// be backfilled from, the default window, input checks, job keys and the CLI equivalent for the
// Tauri window (which has no backfill command yet). Pure; unit tested.
import type { BackfillProgress, BackfillRequest, BackfillSource, HubMessage, Station } from '../platform/types';
import type { MessageKey } from './i18n';

/** RTWQMS parameter codes the hub accepts (`sources/backfill.rs` CPCB_CODES), in its order. */
export const CPCB_CODES = ['pH', 'DO', 'BOD', 'COD', 'TOC', 'NO3', 'CL', 'WT', 'EC', 'WTb', 'S', 'Depth'] as const;

/** Days of the default window (ending today). */
export const DEFAULT_DAYS = 30;
/** The hub refuses windows longer than this many years. */
export const MAX_YEARS = 20;

/**
 * Sources this station can be backfilled from: CPCB RTWQMS for stations the CPCB connector registered
 * (`source: cpcb_rtwqms`), CWC for CWC stations, and the Open-Meteo weather archive for any station
 * with a location. The station's own agency comes first. None → no "Fetch history" section.
 */
export function backfillSources(station: Pick<Station, 'source' | 'location'> | null | undefined): BackfillSource[] {
  if (!station) return [];
  const out: BackfillSource[] = [];
  if (station.source === 'cpcb_rtwqms') out.push('cpcb');
  if (station.source === 'cwc') out.push('cwc');
  const loc = station.location;
  if (loc && Number.isFinite(loc.lat) && Number.isFinite(loc.lon)) out.push('openmeteo');
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A local calendar day as `YYYY-MM-DD`. */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The last `days` days up to today (local calendar days). */
export function defaultWindow(now: Date = new Date(), days = DEFAULT_DAYS): { from: string; to: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
  return { from: localDay(from), to: localDay(now) };
}

/** `DO, EC ph` → `['DO', 'EC', 'ph']` (commas or spaces; duplicates dropped). */
export function parseCodes(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((c) => c.trim()).filter(Boolean))];
}

/** Codes the hub would refuse (matching is exact, as the hub's). */
export function unknownCodes(codes: readonly string[]): string[] {
  return codes.filter((c) => !(CPCB_CODES as readonly string[]).includes(c));
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Why the form cannot be sent (a message key and its parameters), or null. */
export function validateBackfill(req: BackfillRequest): { key: MessageKey; params?: Record<string, string> } | null {
  if (!DAY.test(req.from) || !DAY.test(req.to) || Number.isNaN(Date.parse(req.from)) || Number.isNaN(Date.parse(req.to))) {
    return { key: 'backfill.badDate' };
  }
  if (req.from > req.to) return { key: 'backfill.badWindow' };
  const [y, m, d] = req.from.split('-').map(Number);
  const limit = `${String(y + MAX_YEARS).padStart(4, '0')}-${pad(m)}-${pad(d)}`;
  if (req.to > limit) return { key: 'backfill.tooLong', params: { years: String(MAX_YEARS) } };
  if (req.source === 'cpcb') {
    const bad = unknownCodes(req.parameters ?? []);
    if (bad.length) return { key: 'backfill.badCodes', params: { codes: bad.join(', '), known: CPCB_CODES.join(', ') } };
  }
  return null;
}

/** The station part of a job key: characters other than letters, digits and `-` become `_`. */
export function jobStation(station: string): string {
  return station.replace(/[^A-Za-z0-9-]/g, '_');
}

/** The hub's job key: `<source>-<station>-<from>-<to>[-<codes sorted, joined by _>]` (codes: CPCB only). */
export function jobKey(req: BackfillRequest): string {
  const codes = req.source === 'cpcb' ? [...new Set((req.parameters ?? []).filter(Boolean))].sort() : [];
  return [req.source, jobStation(req.station), req.from, req.to, ...(codes.length ? [codes.join('_')] : [])].join('-');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when `job` (`<source>-<station>-<from>-<to>[-<codes>]`) is one of this station's, for one of `sources`. */
export function isStationJob(job: string, station: string, sources: readonly BackfillSource[]): boolean {
  if (!sources.length) return false;
  const re = new RegExp(`^(?:${sources.map(escapeRe).join('|')})-${escapeRe(jobStation(station))}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}(?:-|$)`);
  return re.test(job);
}

/** The source of a job key (its first part). */
export function jobSource(job: string): BackfillSource | null {
  const s = job.split('-', 1)[0];
  return s === 'cpcb' || s === 'cwc' || s === 'openmeteo' ? s : null;
}

/** Normalises a progress object (a frame or a `GET /api/backfill` item); null unless it has a job. */
export function asProgress(v: unknown): BackfillProgress | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.job !== 'string') return null;
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
  return {
    job: o.job,
    done: n(o.done),
    total: n(o.total),
    resumed: n(o.resumed),
    readings: n(o.readings),
    new: n(o.new),
    current: typeof o.current === 'string' ? o.current : '',
    finished: o.finished === true,
    failed_chunks: list(o.failed_chunks),
    absent: list(o.absent),
  };
}

/** Whichever of two reports of one job is later: finished beats running, else more chunks done. */
export function laterProgress(a: BackfillProgress | undefined, b: BackfillProgress): BackfillProgress {
  if (!a) return b;
  if (a.finished !== b.finished) return a.finished ? a : b;
  return b.done >= a.done ? b : a;
}

/** The progress in a `backfill_progress` frame for one of this station's jobs, else null. */
export function progressFromMessage(msg: HubMessage, station: string, sources: readonly BackfillSource[], extraJobs: ReadonlySet<string> = new Set()): BackfillProgress | null {
  if (msg.type !== 'backfill_progress') return null;
  const p = asProgress(msg);
  if (!p) return null;
  return extraJobs.has(p.job) || isStationJob(p.job, station, sources) ? p : null;
}

export type ProgressState = 'running' | 'done' | 'partial';

/** `running`; `done`; `partial` = finished with failed chunks (a new run retries them). */
export function progressState(p: BackfillProgress): ProgressState {
  if (!p.finished) return 'running';
  return p.failed_chunks.length ? 'partial' : 'done';
}

/** 0…1 (0 while the total is unknown). */
export function progressFraction(p: BackfillProgress): number {
  if (p.finished) return 1;
  return p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
}

/** A shell word: left as it is when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that does the same on the hub's computer (`purehealth backfill …`). */
export function backfillCli(req: BackfillRequest): string {
  const parts = ['purehealth', 'backfill', '--source', req.source, '--station', shellWord(req.station), '--from', req.from, '--to', req.to];
  const codes = req.source === 'cpcb' ? (req.parameters ?? []).filter(Boolean) : [];
  if (codes.length) parts.push('--parameter', shellWord(codes.join(',')));
  return parts.join(' ');
}

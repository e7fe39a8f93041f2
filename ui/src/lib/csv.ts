// Long-format CSV export of reading series (RFC 4180: CRLF line ends, quoted when needed).
import type { Series, SeriesReply } from '../platform/types';

export const CSV_HEADER = ['station_id', 'parameter', 'time_utc', 'value', 'unit', 'qc_flag'] as const;
/**
 * Header of an aggregated export (ranges longer than 24 h): one row per hourly/daily bucket,
 * `time_utc` = bucket start, `mean`/`min`/`max` of the bucket, `n` readings in it.
 */
export const AGGREGATE_CSV_HEADER = ['station_id', 'parameter', 'resolution', 'time_utc', 'mean', 'min', 'max', 'n', 'unit'] as const;

/** Quotes a field when it holds a comma, quote, CR or LF; inner quotes are doubled. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return fields.map(csvField).join(',');
}

/** One row per point, series in the given order, points as the API gave them (times verbatim). */
export function buildReadingsCsv(stationId: string, series: readonly Series[]): string {
  const lines = [csvLine(CSV_HEADER)];
  for (const s of series) {
    for (const p of s.points ?? []) lines.push(csvLine([stationId, s.parameter, p.t, p.v, s.unit, p.q]));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * One row per bucket of the aggregated series shown (`GET …/series`), series in the given order,
 * times and numbers as the hub sent them; a missing min/max/mean is an empty field.
 */
export function buildAggregateCsv(stationId: string, series: readonly SeriesReply[]): string {
  const lines = [csvLine(AGGREGATE_CSV_HEADER)];
  for (const s of series) {
    for (const p of s.points ?? []) lines.push(csvLine([stationId, s.parameter, s.resolution, p.t, p.v, p.min, p.max, p.n, s.unit]));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * `purehealth_<id>_<yyyymmddThhmmssZ>.csv` (or `purehealth_<id>_<tag>_<stamp>.csv`, e.g. the
 * resolution of an aggregated export), with the id and tag reduced to safe file-name characters.
 */
export function csvFileName(stationId: string, now: Date, tag?: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `purehealth_${safe(stationId)}_${tag ? `${safe(tag)}_` : ''}${stamp}.csv`;
}

/** Minimal RFC 4180 parser (used by tests and the e2e check). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

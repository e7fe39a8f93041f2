// Pure formatting helpers (no DOM, no framework) — unit tested.
import { t, getLocale, hasMessage, intlLocale } from './i18n';
import type { CpcbClass, ParameterLimits } from '../platform/types';

/** Canonical parameter keys in display order. */
export const PARAMETER_ORDER = [
  'ph',
  'dissolved_oxygen',
  'bod',
  'fecal_coliform',
  'temperature',
  'turbidity',
  'conductivity',
  'tds',
  'salinity',
  'do_sat',
  'depth',
] as const;

/** Parameters shown on a station row (whichever exist). */
export const ROW_PARAMETERS = [
  'ph',
  'dissolved_oxygen',
  'bod',
  'fecal_coliform',
  'temperature',
  'turbidity',
  'conductivity',
] as const;

export function sortParameters(keys: Iterable<string>): string[] {
  const rank = (k: string) => {
    const i = (PARAMETER_ORDER as readonly string[]).indexOf(k);
    return i === -1 ? PARAMETER_ORDER.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function paramLabel(key: string): string {
  const k = `param.${key}`;
  return hasMessage(k) ? t(k) : key;
}

export function paramShort(key: string): string {
  const k = `paramShort.${key}`;
  return hasMessage(k) ? t(k) : key;
}

/** Lenient timestamp parse (RFC 3339, naive, or `Z`); NaN when unparseable. */
export function parseTime(s: string | null | undefined): number {
  if (!s) return NaN;
  return Date.parse(s);
}

/** "12 s ago" style freshness. Future times (clock skew) count as "just now". */
export function freshness(iso: string | null | undefined, nowMs: number): string {
  const ts = parseTime(iso);
  if (Number.isNaN(ts)) return t('station.never');
  const s = Math.floor((nowMs - ts) / 1000);
  if (s < 5) return t('time.justNow');
  if (s < 60) return t('time.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('time.hours', { n: h });
  return t('time.days', { n: Math.floor(h / 24) });
}

/** Freshness bucket used for styling: fresh ≤ 15 min, stale ≤ 2 h, old beyond. */
export function freshnessLevel(iso: string | null | undefined, nowMs: number): 'fresh' | 'stale' | 'old' {
  const ts = parseTime(iso);
  if (Number.isNaN(ts)) return 'old';
  const age = nowMs - ts;
  if (age <= 15 * 60_000) return 'fresh';
  if (age <= 2 * 3600_000) return 'stale';
  return 'old';
}

export const DASH = '—';

export function formatWqi(wqi: number | null | undefined): string {
  return typeof wqi === 'number' && Number.isFinite(wqi) ? wqi.toFixed(1) : DASH;
}

/** Reading values: sensible significant digits per magnitude; large counts (FC) grouped. */
export function formatValue(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DASH;
  const abs = Math.abs(v);
  const locale = intlLocale();
  let digits: number;
  if (abs >= 1000) digits = 0;
  else if (abs >= 100) digits = 1;
  else if (abs >= 1) digits = 2;
  else if (abs === 0) digits = 0;
  else digits = 3;
  return v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Units as shown to people (the wire uses ASCII-ish forms). */
export function formatUnit(unit: string | null | undefined): string {
  if (!unit || unit === 'pH' || unit === '---') return '';
  if (unit === 'MPN/100mL') return 'MPN/100 mL';
  if (unit === 'uS/cm') return 'µS/cm';
  return unit;
}

export function formatTime(iso: string | null | undefined): string {
  const ts = parseTime(iso);
  if (Number.isNaN(ts)) return DASH;
  return new Date(ts).toLocaleString(getLocale() === 'en' ? 'en-GB' : intlLocale(), {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** CPCB class → colour token (A green … E red). Unknown → neutral. */
export const CLASS_COLOURS: Record<CpcbClass, string> = {
  A: '#1a9850',
  B: '#66bd63',
  C: '#e6b800',
  D: '#f46d43',
  E: '#d73027',
};

export function classColour(cls: string | null | undefined): string {
  return cls && cls in CLASS_COLOURS ? CLASS_COLOURS[cls as CpcbClass] : '#8a8f98';
}

/** Text colour with enough contrast on the class badge. */
export function classTextColour(cls: string | null | undefined): string {
  return cls === 'B' || cls === 'C' ? '#1b1b1b' : '#ffffff';
}

/** QARTOD flag → CSS modifier: pass/not-evaluated show nothing. */
export function qcKind(q: number | null | undefined): 'ok' | 'unknown' | 'suspect' | 'fail' | 'missing' {
  switch (q) {
    case 1:
      return 'ok';
    case 3:
      return 'suspect';
    case 4:
      return 'fail';
    case 9:
      return 'missing';
    default:
      return 'unknown';
  }
}

export function qcLabel(q: number | null | undefined): string {
  switch (q) {
    case 1:
      return t('qc.1');
    case 3:
      return t('qc.3');
    case 4:
      return t('qc.4');
    case 9:
      return t('qc.9');
    default:
      return t('qc.2');
  }
}

/** `YYYY-MM-DD` (a calendar day, no time zone) as e.g. "27 Nov 2026"; the input when unparseable. */
export function formatDate(ymd: string | null | undefined, withYear = true): string {
  if (!ymd || !/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return ymd || DASH;
  const ms = Date.parse(`${ymd}T00:00:00Z`);
  if (Number.isNaN(ms)) return ymd;
  return new Date(ms).toLocaleDateString(getLocale() === 'en' ? 'en-GB' : intlLocale(), {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  });
}

/** A number with at most `digits` significant digits; `signed` adds "+" to positive values. */
export function formatSig(v: number | null | undefined, digits = 2, signed = false): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DASH;
  return v.toLocaleString(intlLocale(), { maximumSignificantDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto' });
}

/** An integer count with digit grouping (Latin digits). */
export function formatCount(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString(intlLocale()) : formatValue(v);
}

/** Seconds as the two largest units, e.g. "3 d 4 h", "2 h 5 min", "41 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return t('duration.dh', { d, h });
  if (h > 0) return t('duration.hm', { h, m });
  if (m > 0) return t('duration.ms', { m, s: s % 60 });
  return t('duration.s', { s });
}

/** Bytes in binary units: "512 B", "1.5 KiB", "37 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const n = i === 0 ? String(Math.round(v)) : v.toLocaleString(intlLocale(), { maximumFractionDigits: v < 10 ? 1 : 0 });
  return `${n} ${units[i]}`;
}

/**
 * Relative time for past and future instants: "5 min ago", "just now", "in 3 min". Future times
 * within 5 s count as "just now" (clock skew).
 */
export function relativeTime(iso: string | null | undefined, nowMs: number): string {
  const ts = parseTime(iso);
  if (Number.isNaN(ts)) return t('station.never');
  const ahead = Math.floor((ts - nowMs) / 1000);
  if (ahead < 5) return freshness(iso, nowMs);
  if (ahead < 60) return t('time.inSeconds', { n: ahead });
  const m = Math.floor(ahead / 60);
  if (m < 60) return t('time.inMinutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('time.inHours', { n: h });
  return t('time.inDays', { n: Math.floor(h / 24) });
}

/** Years with data as a range: "2012–2023", one year alone, "—" for none (gaps are not shown). */
export function formatYears(years: readonly number[] | null | undefined): string {
  const ys = (years ?? []).filter((y) => Number.isFinite(y));
  if (!ys.length) return DASH;
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** A value with its unit as shown to people ("7.2 mg/L", "7.2" for pH, "—" without a value). */
export function formatWithUnit(v: number | null | undefined, unit: string | null | undefined): string {
  const u = formatUnit(unit);
  return u && typeof v === 'number' && Number.isFinite(v) ? `${formatValue(v)} ${u}` : formatValue(v);
}

// ---- Display units (a preference; see settings.svelte.ts) --------------------------------------
// Conversion is for display only: exports, data attributes and anything sent to the hub keep the
// hub's units (°C, µS/cm).

export const TEMPERATURE_UNITS = ['C', 'F'] as const;
export type TemperatureUnit = (typeof TEMPERATURE_UNITS)[number];
export const CONDUCTIVITY_UNITS = ['uS/cm', 'mS/cm'] as const;
export type ConductivityUnit = (typeof CONDUCTIVITY_UNITS)[number];

export interface UnitPrefs {
  temperatureUnit: TemperatureUnit;
  conductivityUnit: ConductivityUnit;
}

export const DEFAULT_UNITS: UnitPrefs = { temperatureUnit: 'C', conductivityUnit: 'uS/cm' };

/** The label of a unit choice as shown in the Settings selects. */
export const UNIT_CHOICE_LABELS: Record<TemperatureUnit | ConductivityUnit, string> = {
  C: '°C',
  F: '°F',
  'uS/cm': 'µS/cm',
  'mS/cm': 'mS/cm',
};

export function celsiusToFahrenheit(c: number): number {
  return (c * 9) / 5 + 32;
}

export function microToMilliSiemens(uS: number): number {
  return uS / 1000;
}

/** Hub unit labels of degrees Celsius and microsiemens per centimetre (µ as micro sign or Greek mu). */
const CELSIUS = new Set(['°C', 'C', 'degC', 'deg C', '℃', 'Cel']);
const MICRO_S = new Set(['µS/cm', 'μS/cm', 'uS/cm', 'µmho/cm', 'umho/cm']);

export interface UnitConversion {
  /** The unit shown instead (wire form; `formatUnit` applies). */
  unit: string;
  convert: (v: number) => number;
}

/** How a value the hub sends in `unit` is shown under `prefs`; null = as sent. */
export function unitConversion(unit: string | null | undefined, prefs: UnitPrefs): UnitConversion | null {
  if (!unit) return null;
  if (prefs.temperatureUnit === 'F' && CELSIUS.has(unit)) return { unit: '°F', convert: celsiusToFahrenheit };
  if (prefs.conductivityUnit === 'mS/cm' && MICRO_S.has(unit)) return { unit: 'mS/cm', convert: microToMilliSiemens };
  return null;
}

/** A value in the display unit (null and non-finite values stay as they are). */
export function displayValue(v: number | null | undefined, unit: string | null | undefined, prefs: UnitPrefs): number | null | undefined {
  const c = unitConversion(unit, prefs);
  return c && typeof v === 'number' && Number.isFinite(v) ? c.convert(v) : v;
}

/** The display unit as shown to people ("°F", "mS/cm"; `formatUnit` of the hub's unit otherwise). */
export function displayUnit(unit: string | null | undefined, prefs: UnitPrefs): string {
  return formatUnit(unitConversion(unit, prefs)?.unit ?? unit);
}

/** A number converted for display ("—" without a value), without the unit. */
export function formatDisplayValue(v: number | null | undefined, unit: string | null | undefined, prefs: UnitPrefs): string {
  return formatValue(displayValue(v, unit, prefs));
}

/** A column of chart values converted (a new array; nulls kept). */
export function convertColumn(col: readonly (number | null)[], c: UnitConversion | null): (number | null)[] {
  if (!c) return col as (number | null)[];
  return col.map((v) => (typeof v === 'number' && Number.isFinite(v) ? c.convert(v) : v));
}

/** Limits converted for display (the conversions are increasing, so low stays low). */
export function convertLimits(l: ParameterLimits | null | undefined, c: UnitConversion | null): ParameterLimits | null {
  if (!l) return null;
  if (!c) return l;
  const f = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? c.convert(v) : (v ?? null));
  return { warn_low: f(l.warn_low), warn_high: f(l.warn_high), crit_low: f(l.crit_low), crit_high: f(l.crit_high) };
}

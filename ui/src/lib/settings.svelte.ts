// User preferences (theme, language, alarm notifications), persisted in localStorage; theme and
// language are applied to <html>.
import { setLocale, LOCALES, type Locale } from './i18n';
import { NOTIFY_MINS, parseHHMM, type NotifyMin } from './notify';
import { CONDUCTIVITY_UNITS, DEFAULT_UNITS, TEMPERATURE_UNITS, type ConductivityUnit, type TemperatureUnit, type UnitPrefs } from './format';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_KEY = 'purehealth.theme';
export const LOCALE_KEY = 'purehealth.locale';
export const ALARM_SOUND_KEY = 'purehealth.alarmSound';
export const NOTIFY_MIN_KEY = 'purehealth.notifyMin';
export const QUIET_FROM_KEY = 'purehealth.quietFrom';
export const QUIET_TO_KEY = 'purehealth.quietTo';
export const TEMPERATURE_UNIT_KEY = 'purehealth.temperatureUnit';
export const CONDUCTIVITY_UNIT_KEY = 'purehealth.conductivityUnit';

/** Banner and sound for new alarms (see lib/notify.ts). */
export interface NotifyPrefs {
  /** Beep for new alarms at or above `notifyMin` (default on). */
  alarmSound: boolean;
  /** Lowest severity that gets the new-alarm banner and sound (default critical). */
  notifyMin: NotifyMin;
  /** Quiet hours, local `HH:MM`; '' = not set. No sound in [from, to); banners still show. */
  quietFrom: string;
  quietTo: string;
}

export const DEFAULT_NOTIFY: NotifyPrefs = { alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' };

type Store = Pick<Storage, 'getItem' | 'setItem'>;

function storage(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // e.g. storage disabled
  }
}

export function loadTheme(s: Store | null = storage()): Theme {
  const v = s?.getItem(THEME_KEY);
  return (THEMES as readonly string[]).includes(v ?? '') ? (v as Theme) : 'system';
}

export function loadLocale(s: Store | null = storage()): Locale {
  const v = s?.getItem(LOCALE_KEY);
  return (LOCALES as readonly string[]).includes(v ?? '') ? (v as Locale) : 'en';
}

function read(s: Store | null, key: string): string | null {
  try {
    return s?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** `HH:MM` (zero-padded) of a valid time, else ''. */
export function normaliseHHMM(v: string | null | undefined): string {
  const m = parseHHMM(v);
  return m === null ? '' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function loadNotify(s: Store | null = storage()): NotifyPrefs {
  const min = read(s, NOTIFY_MIN_KEY);
  return {
    alarmSound: read(s, ALARM_SOUND_KEY) !== 'off',
    notifyMin: (NOTIFY_MINS as readonly string[]).includes(min ?? '') ? (min as NotifyMin) : DEFAULT_NOTIFY.notifyMin,
    quietFrom: normaliseHHMM(read(s, QUIET_FROM_KEY)),
    quietTo: normaliseHHMM(read(s, QUIET_TO_KEY)),
  };
}

/** Display units (°C/°F, µS/cm / mS/cm); anything unknown is the default. */
export function loadUnits(s: Store | null = storage()): UnitPrefs {
  const tu = read(s, TEMPERATURE_UNIT_KEY);
  const cu = read(s, CONDUCTIVITY_UNIT_KEY);
  return {
    temperatureUnit: (TEMPERATURE_UNITS as readonly string[]).includes(tu ?? '') ? (tu as TemperatureUnit) : DEFAULT_UNITS.temperatureUnit,
    conductivityUnit: (CONDUCTIVITY_UNITS as readonly string[]).includes(cu ?? '') ? (cu as ConductivityUnit) : DEFAULT_UNITS.conductivityUnit,
  };
}

function save(s: Store | null, key: string, value: string) {
  try {
    s?.setItem(key, value);
  } catch {
    /* quota or privacy mode: the choice still applies to this page */
  }
}

/** `data-theme` on <html> forces light/dark; absent = follow the system. */
export function applyTheme(theme: Theme, root: { dataset: DOMStringMap } | null = typeof document === 'undefined' ? null : document.documentElement) {
  if (!root) return;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export const settings = $state({ theme: 'system' as Theme, locale: 'en' as Locale, ...DEFAULT_NOTIFY, ...DEFAULT_UNITS });

export function initSettings(s: Store | null = storage()): void {
  settings.theme = loadTheme(s);
  settings.locale = loadLocale(s);
  Object.assign(settings, loadNotify(s));
  Object.assign(settings, loadUnits(s));
  applyTheme(settings.theme);
  setLocale(settings.locale);
}

export function setTheme(theme: Theme, s: Store | null = storage()): void {
  settings.theme = theme;
  save(s, THEME_KEY, theme);
  applyTheme(theme);
}

export function chooseLocale(locale: Locale, s: Store | null = storage()): void {
  settings.locale = locale;
  save(s, LOCALE_KEY, locale);
  setLocale(locale);
}

export function setAlarmSound(on: boolean, s: Store | null = storage()): void {
  settings.alarmSound = on;
  save(s, ALARM_SOUND_KEY, on ? 'on' : 'off');
}

export function setNotifyMin(min: NotifyMin, s: Store | null = storage()): void {
  if (!(NOTIFY_MINS as readonly string[]).includes(min)) return;
  settings.notifyMin = min;
  save(s, NOTIFY_MIN_KEY, min);
}

/** Sets one end of the quiet hours (`HH:MM`; anything else clears it). */
export function setQuietHours(which: 'from' | 'to', value: string, s: Store | null = storage()): void {
  const v = normaliseHHMM(value);
  if (which === 'from') settings.quietFrom = v;
  else settings.quietTo = v;
  save(s, which === 'from' ? QUIET_FROM_KEY : QUIET_TO_KEY, v);
}

/** Temperature shown in °C or °F (display only). */
export function setTemperatureUnit(unit: TemperatureUnit, s: Store | null = storage()): void {
  if (!(TEMPERATURE_UNITS as readonly string[]).includes(unit)) return;
  settings.temperatureUnit = unit;
  save(s, TEMPERATURE_UNIT_KEY, unit);
}

/** Conductivity shown in µS/cm or mS/cm (display only). */
export function setConductivityUnit(unit: ConductivityUnit, s: Store | null = storage()): void {
  if (!(CONDUCTIVITY_UNITS as readonly string[]).includes(unit)) return;
  settings.conductivityUnit = unit;
  save(s, CONDUCTIVITY_UNIT_KEY, unit);
}

/** True when the effective scheme is dark (explicit choice, or the system's). */
export function isDark(theme: Theme = settings.theme): boolean {
  if (theme !== 'system') return theme === 'dark';
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
}

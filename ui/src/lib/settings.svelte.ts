// User preferences (theme, language), persisted in localStorage and applied to <html>.
import { setLocale, LOCALES, type Locale } from './i18n';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_KEY = 'purehealth.theme';
export const LOCALE_KEY = 'purehealth.locale';

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

export const settings = $state({ theme: 'system' as Theme, locale: 'en' as Locale });

export function initSettings(s: Store | null = storage()): void {
  settings.theme = loadTheme(s);
  settings.locale = loadLocale(s);
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

/** True when the effective scheme is dark (explicit choice, or the system's). */
export function isDark(theme: Theme = settings.theme): boolean {
  if (theme !== 'system') return theme === 'dark';
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
}

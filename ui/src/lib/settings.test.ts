import { afterEach, describe, expect, it } from 'vitest';
import { LOCALE_KEY, THEME_KEY, applyTheme, chooseLocale, initSettings, loadLocale, loadTheme, setTheme, settings } from './settings.svelte';
import { getLocale, setLocale } from './i18n';

function memory(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

afterEach(() => setLocale('en'));

describe('theme and language persistence', () => {
  it('defaults to system / English and ignores junk', () => {
    expect(loadTheme(memory())).toBe('system');
    expect(loadTheme(memory({ [THEME_KEY]: 'purple' }))).toBe('system');
    expect(loadLocale(memory({ [LOCALE_KEY]: 'fr' }))).toBe('en');
    expect(loadTheme(null)).toBe('system');
  });
  it('stores the choice and reads it back', () => {
    const s = memory();
    setTheme('dark', s);
    chooseLocale('mr', s);
    expect(s.m.get(THEME_KEY)).toBe('dark');
    expect(s.m.get(LOCALE_KEY)).toBe('mr');
    settings.theme = 'system';
    initSettings(s);
    expect(settings.theme).toBe('dark');
    expect(settings.locale).toBe('mr');
    expect(getLocale()).toBe('mr');
  });
  it('survives a storage that throws', () => {
    const s = { getItem: () => null, setItem: () => { throw new Error('quota'); } };
    expect(() => setTheme('light', s)).not.toThrow();
    expect(settings.theme).toBe('light');
  });
  it('sets and clears data-theme', () => {
    const root = { dataset: {} as DOMStringMap };
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system', root);
    expect(root.dataset.theme).toBeUndefined();
  });
});

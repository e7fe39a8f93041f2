import { afterEach, describe, expect, it } from 'vitest';
import { hasMessage, setLocale, t } from './i18n';
import { parseRoute } from './route';

afterEach(() => setLocale('en'));

describe('i18n', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(t('list.count', { shown: 2, total: 5 })).toBe('2 of 5 stations');
    expect(t('time.seconds', {})).toBe('{n} s ago');
  });
  it('falls back to English for untranslated keys', () => {
    setLocale('hi');
    expect(t('app.name')).toBe('Pure Health');
  });
  it('knows its keys', () => {
    expect(hasMessage('param.ph')).toBe(true);
    expect(hasMessage('param.nope')).toBe(false);
  });
});

describe('parseRoute', () => {
  it('parses list and station routes', () => {
    expect(parseRoute('')).toEqual({ name: 'list' });
    expect(parseRoute('#/')).toEqual({ name: 'list' });
    expect(parseRoute('#/station/MH%2F1')).toEqual({ name: 'station', id: 'MH/1' });
    expect(parseRoute('#/station/%E0%A4')).toEqual({ name: 'list' });
  });
});

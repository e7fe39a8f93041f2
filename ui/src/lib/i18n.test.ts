import { afterEach, describe, expect, it } from 'vitest';
import { catalogues, hasMessage, messageKeys, setLocale, t } from './i18n';
import { formatTime, formatValue } from './format';
import { alarmHref, parseRoute } from './route';

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

describe('catalogues', () => {
  const keys = messageKeys();
  for (const l of ['hi', 'mr'] as const) {
    it(`${l} has every key, non-empty, with the same placeholders`, () => {
      const cat = catalogues[l];
      const missing = keys.filter((k) => typeof cat[k] !== 'string' || !cat[k]!.trim());
      expect(missing).toEqual([]);
      const extra = Object.keys(cat).filter((k) => !hasMessage(k));
      expect(extra).toEqual([]);
      const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const wrong = keys.filter((k) => ph(cat[k]!).join() !== ph(catalogues.en[k]!).join());
      expect(wrong).toEqual([]);
    });
    it(`${l} keeps technical abbreviations and Latin digits`, () => {
      setLocale(l);
      expect(t('param.ph')).toBe('pH');
      expect(t('paramShort.dissolved_oxygen')).toBe('DO');
      expect(t('station.wqi')).toBe('WQI');
      expect(formatValue(12345.6)).toMatch(/^[0-9,.]+$/);
      expect(formatTime('2026-11-27T17:45:03.988Z')).not.toMatch(/[\u0966-\u096F]/);
    });
  }
});

describe('parseRoute', () => {
  it('parses list and station routes', () => {
    expect(parseRoute('')).toEqual({ name: 'list' });
    expect(parseRoute('#/')).toEqual({ name: 'list' });
    expect(parseRoute('#/station/MH%2F1')).toEqual({ name: 'station', id: 'MH/1' });
    expect(parseRoute('#/station/%E0%A4')).toEqual({ name: 'list' });
    expect(parseRoute('#/map')).toEqual({ name: 'map' });
    expect(parseRoute('#/alarms')).toEqual({ name: 'alarms' });
    expect(parseRoute('#/alarms?x=1')).toStrictEqual({ name: 'alarms' });
    expect(parseRoute('#/alarms?alarm=42')).toStrictEqual({ name: 'alarms', alarmId: '42' });
    expect(parseRoute(alarmHref('a b'))).toStrictEqual({ name: 'alarms', alarmId: 'a b' });
    expect(alarmHref(7)).toBe('#/alarms?alarm=7');
    expect(parseRoute('#/health')).toEqual({ name: 'health' });
    expect(parseRoute('#/healthy')).toEqual({ name: 'list' });
    expect(parseRoute('#/replay')).toEqual({ name: 'replay' });
    expect(parseRoute('#/replayed')).toEqual({ name: 'list' });
    expect(parseRoute('#/catalogue')).toEqual({ name: 'catalogue' });
    expect(parseRoute('#/catalogues')).toEqual({ name: 'list' });
    expect(parseRoute('#/river/Godavari')).toEqual({ name: 'area', kind: 'river', value: 'Godavari' });
    expect(parseRoute('#/district/Pune%20City')).toEqual({ name: 'area', kind: 'district', value: 'Pune City' });
    expect(parseRoute('#/state/Tamil Nadu')).toEqual({ name: 'area', kind: 'state', value: 'Tamil Nadu' });
    expect(parseRoute('#/river/%20')).toEqual({ name: 'list' });
    expect(parseRoute('#/river/%E0%A4')).toEqual({ name: 'list' });
    expect(parseRoute('#/river/')).toEqual({ name: 'list' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { memStorage } from '../testing/memStorage';
import {
  ALARM_SOUND_KEY,
  CONDUCTIVITY_UNIT_KEY,
  TEMPERATURE_UNIT_KEY,
  loadUnits,
  setConductivityUnit,
  setTemperatureUnit,
  LOCALE_KEY,
  NOTIFY_MIN_KEY,
  QUIET_FROM_KEY,
  QUIET_TO_KEY,
  THEME_KEY,
  applyTheme,
  chooseLocale,
  initSettings,
  loadLocale,
  loadNotify,
  loadTheme,
  normaliseHHMM,
  setAlarmSound,
  setNotifyMin,
  setQuietHours,
  setTheme,
  settings,
} from './settings.svelte';
import { getLocale, setLocale } from './i18n';

const memory = memStorage;

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

describe('notification settings', () => {
  it('default: sound on, banner and sound for critical alarms, no quiet hours; junk ignored', () => {
    expect(loadNotify(memory())).toEqual({ alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' });
    expect(loadNotify(null)).toEqual({ alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' });
    expect(loadNotify(memory({ [NOTIFY_MIN_KEY]: 'info', [QUIET_FROM_KEY]: '25:00', [QUIET_TO_KEY]: 'soon' }))).toEqual({
      alarmSound: true,
      notifyMin: 'critical',
      quietFrom: '',
      quietTo: '',
    });
  });
  it('stores each choice and reads it back', () => {
    const s = memory();
    setAlarmSound(false, s);
    setNotifyMin('warning', s);
    setQuietHours('from', '22:00', s);
    setQuietHours('to', '6:30', s);
    expect([...s.m.entries()]).toEqual([
      [ALARM_SOUND_KEY, 'off'],
      [NOTIFY_MIN_KEY, 'warning'],
      [QUIET_FROM_KEY, '22:00'],
      [QUIET_TO_KEY, '06:30'],
    ]);
    expect(settings).toMatchObject({ alarmSound: false, notifyMin: 'warning', quietFrom: '22:00', quietTo: '06:30' });
    Object.assign(settings, { alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' });
    initSettings(s);
    expect(settings).toMatchObject({ alarmSound: false, notifyMin: 'warning', quietFrom: '22:00', quietTo: '06:30' });
    setNotifyMin('bogus' as never, s);
    expect(settings.notifyMin).toBe('warning');
    setQuietHours('to', '', s);
    expect(settings.quietTo).toBe('');
    expect(s.m.get(QUIET_TO_KEY)).toBe('');
    setAlarmSound(true, s);
    setNotifyMin('critical', s);
    setQuietHours('from', '', s);
    expect(loadNotify(s)).toEqual({ alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' });
  });
  it('normalises times and survives a storage that throws', () => {
    expect(normaliseHHMM('7:05')).toBe('07:05');
    expect(normaliseHHMM('07:05:00')).toBe('07:05');
    expect(normaliseHHMM('x')).toBe('');
    const bad = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadNotify(bad).alarmSound).toBe(true);
    expect(() => setAlarmSound(true, bad)).not.toThrow();
  });
});

describe('display units persistence', () => {
  it('defaults to °C and µS/cm and ignores junk', () => {
    expect(loadUnits(memory())).toEqual({ temperatureUnit: 'C', conductivityUnit: 'uS/cm' });
    expect(loadUnits(memory({ [TEMPERATURE_UNIT_KEY]: 'K', [CONDUCTIVITY_UNIT_KEY]: 'S/m' }))).toEqual({ temperatureUnit: 'C', conductivityUnit: 'uS/cm' });
    expect(loadUnits(null)).toEqual({ temperatureUnit: 'C', conductivityUnit: 'uS/cm' });
  });
  it('stores the choice, reads it back and applies it on start', () => {
    const s = memory();
    setTemperatureUnit('F', s);
    setConductivityUnit('mS/cm', s);
    expect(settings.temperatureUnit).toBe('F');
    expect(settings.conductivityUnit).toBe('mS/cm');
    expect(s.m.get(TEMPERATURE_UNIT_KEY)).toBe('F');
    expect(s.m.get(CONDUCTIVITY_UNIT_KEY)).toBe('mS/cm');
    setTemperatureUnit('K' as 'C', s);
    expect(s.m.get(TEMPERATURE_UNIT_KEY)).toBe('F');
    setTemperatureUnit('C', s);
    setConductivityUnit('uS/cm', s);
    initSettings(memory({ [TEMPERATURE_UNIT_KEY]: 'F', [CONDUCTIVITY_UNIT_KEY]: 'mS/cm' }));
    expect([settings.temperatureUnit, settings.conductivityUnit]).toEqual(['F', 'mS/cm']);
    initSettings(memory());
    expect([settings.temperatureUnit, settings.conductivityUnit]).toEqual(['C', 'uS/cm']);
  });
});

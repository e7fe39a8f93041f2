import { describe, expect, it } from 'vitest';
import { memStorage } from '../testing/memStorage';
import { flagPref, loadFlag, loadText, saveFlag, saveText } from './prefs';

const memory = () => {
  const s = memStorage();
  return { m: s.m, s };
};
const broken = {
  getItem: (): string | null => {
    throw new Error('denied');
  },
  setItem: (): void => {
    throw new Error('denied');
  },
};

describe('prefs', () => {
  it('stores text and 1/0 flags', () => {
    const { m, s } = memory();
    expect(loadText('k', s)).toBeNull();
    saveText('k', 'v', s);
    expect(loadText('k', s)).toBe('v');
    expect(loadFlag('f', true, s)).toBe(true);
    saveFlag('f', false, s);
    expect(m.get('f')).toBe('0');
    expect(loadFlag('f', true, s)).toBe(false);
    saveFlag('f', true, s);
    expect(m.get('f')).toBe('1');
    m.set('f', 'yes');
    expect(loadFlag('f', false, s)).toBe(false);
  });
  it('falls back without storage or when it throws', () => {
    expect(loadText('k', null)).toBeNull();
    expect(loadFlag('f', true, null)).toBe(true);
    expect(loadText('k', broken)).toBeNull();
    expect(loadFlag('f', true, broken)).toBe(true);
    expect(loadFlag('f', false, broken)).toBe(false);
    expect(() => saveText('k', 'v', broken)).not.toThrow();
    expect(() => saveFlag('f', true, broken)).not.toThrow();
  });
  it('flagPref binds a key and a default', () => {
    const { m, s } = memory();
    const pref = flagPref('p', false);
    expect(pref.load(s)).toBe(false);
    pref.save(true, s);
    expect(m.get('p')).toBe('1');
    expect(pref.load(s)).toBe(true);
    expect(pref.load(broken)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { tolerant } from './intl-guard';

describe('intl guard', () => {
  it('falls back to the default locale for tags Intl rejects (WebKitGTK under LANG=C)', () => {
    const raw = Intl.NumberFormat;
    expect(() => new raw('C')).toThrow(RangeError);
    const Safe = tolerant(raw as never) as unknown as typeof Intl.NumberFormat;
    expect(new Safe('C').format(1.5)).toBe(new raw(undefined).format(1.5));
    expect(new Safe('en-IN').format(123456)).toBe('1,23,456');
    expect(new Safe('C') instanceof raw).toBe(true);
    expect(typeof Safe.supportedLocalesOf).toBe('function');
  });
});

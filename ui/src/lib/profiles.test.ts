import { afterEach, describe, expect, it, vi } from 'vitest';
import { LEGACY_PROFILE, currentProfile, loadProfiles, profileLabel, profileName, profileOptions, resetProfiles } from './profiles';
import { setLocale } from './i18n';
import type { CriteriaProfile } from '../platform/types';

const PROFILES: CriteriaProfile[] = [
  { id: 'legacy.purehealth_v6', name: 'Original Pure Health thresholds (spec phase 6)', document: 'docs/phase6-realtime.md', designated_use: 'default' },
  { id: 'cpcb.dbu.C', name: 'CPCB Designated Best Use class C', document: 'CPCB', designated_use: 'Drinking-water source after conventional treatment and disinfection', class: 'C' },
];

afterEach(() => {
  resetProfiles();
  setLocale('en');
});

describe('profiles', () => {
  it('defaults to the original thresholds', () => {
    expect(currentProfile(null)).toBe(LEGACY_PROFILE);
    expect(currentProfile('')).toBe(LEGACY_PROFILE);
    expect(currentProfile('cpcb.dbu.B')).toBe('cpcb.dbu.B');
  });
  it('labels a profile with its name and designated use (the default one translated)', () => {
    expect(profileLabel(PROFILES[1])).toBe('CPCB Designated Best Use class C — Drinking-water source after conventional treatment and disinfection');
    expect(profileLabel(PROFILES[0])).toBe('Original Pure Health thresholds (spec phase 6) — default');
    setLocale('hi');
    expect(profileLabel(PROFILES[0])).toBe('Original Pure Health thresholds (spec phase 6) — डिफ़ॉल्ट');
    expect(profileLabel({ id: 'x', name: '', document: '', designated_use: '' })).toBe('x');
  });
  it('lists the hub’s profiles in order, plus the current one if unlisted', () => {
    expect(profileOptions(PROFILES, 'cpcb.dbu.C').map((o) => [o.id, o.known])).toEqual([
      ['legacy.purehealth_v6', true],
      ['cpcb.dbu.C', true],
    ]);
    // GET /api/profiles lists the original table twice (first, and among the bundled profiles).
    const dup = [...PROFILES, { ...PROFILES[0], name: 'Pure Health original threshold table (v6)' }];
    expect(profileOptions(dup, LEGACY_PROFILE).map((o) => o.id)).toEqual(['legacy.purehealth_v6', 'cpcb.dbu.C']);
    expect(profileOptions(dup, LEGACY_PROFILE)[0].label).toContain('Original Pure Health thresholds');
    const opts = profileOptions(PROFILES, 'who.gdwq');
    expect(opts.at(-1)).toEqual({ id: 'who.gdwq', label: 'who.gdwq (not listed by the hub)', known: false });
    expect(profileName(PROFILES, 'cpcb.dbu.C')).toBe('CPCB Designated Best Use class C');
    expect(profileName(PROFILES, 'nope')).toBe('nope');
  });
  it('fetches the list once per page, again after a failure', async () => {
    const fetch = vi.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValue(PROFILES);
    await expect(loadProfiles(fetch)).rejects.toThrow('down');
    await expect(loadProfiles(fetch)).resolves.toEqual(PROFILES);
    await expect(loadProfiles(fetch)).resolves.toEqual(PROFILES);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

// Criteria profiles (GET /api/profiles, POST /api/stations/{id}/profile): option labels, the list
// shown for a station, and one cached fetch per page. Pure apart from the cache; unit tested.
import type { CriteriaProfile } from '../platform/types';
import { t } from './i18n';

/** The original Pure Health thresholds: the hub's default profile. */
export const LEGACY_PROFILE = 'legacy.purehealth_v6';

/** The profile a station is graded under (`profile` absent on older hubs = the default). */
export function currentProfile(profile: string | null | undefined): string {
  return profile && profile.trim() ? profile : LEGACY_PROFILE;
}

/** "name — designated use" (the hub's English texts; the default profile's use is translated). */
export function profileLabel(p: CriteriaProfile): string {
  const use = !p.designated_use ? '' : p.designated_use === 'default' ? t('profile.defaultUse') : p.designated_use;
  return use ? `${p.name} — ${use}` : p.name || p.id;
}

export interface ProfileOption {
  id: string;
  label: string;
  known: boolean;
}

/**
 * The options of the select: the hub's profiles in its order, each id once (the hub lists the original
 * table first and again among the bundled profiles), plus the current one if the hub does not list it.
 */
export function profileOptions(profiles: readonly CriteriaProfile[], current: string): ProfileOption[] {
  const seen = new Set<string>();
  const out: ProfileOption[] = [];
  for (const p of profiles) {
    if (!p || typeof p.id !== 'string' || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push({ id: p.id, label: profileLabel(p), known: true });
  }
  if (!out.some((o) => o.id === current)) out.push({ id: current, label: t('profile.unknown', { id: current }), known: false });
  return out;
}

/** The name of a profile id for messages (the id itself when unknown). */
export function profileName(profiles: readonly CriteriaProfile[], id: string): string {
  return profiles.find((p) => p.id === id)?.name || id;
}

let cache: Promise<CriteriaProfile[]> | null = null;

/** The profile list, fetched once per page (a failed fetch is tried again next time). */
export function loadProfiles(fetchProfiles: () => Promise<CriteriaProfile[]>): Promise<CriteriaProfile[]> {
  if (!cache) {
    const p = fetchProfiles().then((list) => (Array.isArray(list) ? list : []));
    cache = p;
    p.catch(() => {
      if (cache === p) cache = null;
    });
  }
  return cache;
}

/** Forgets the cached list (tests). */
export function resetProfiles(): void {
  cache = null;
}

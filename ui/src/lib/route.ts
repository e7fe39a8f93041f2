// Hash routes: `#/` (list), `#/map`, `#/alarms` (`#/alarms?alarm=<id>` shows one alarm), `#/health`,
// `#/replay`, `#/station/<id>`, `#/catalogue` and the area summaries `#/river/<name>`,
// `#/district/<name>`, `#/state/<name>`. Hash routing works under both `tauri://localhost` and the hub without any
// server-side rewrites.
export type Route =
  | { name: 'list' }
  | { name: 'map' }
  | { name: 'alarms'; alarmId?: string }
  | { name: 'health' }
  | { name: 'replay' }
  | { name: 'station'; id: string }
  | { name: 'catalogue' }
  | { name: 'area'; kind: 'river' | 'district' | 'state'; value: string };

/** The link to one alarm in the alarms view. */
export function alarmHref(id: number | string): string {
  return `#/alarms?${new URLSearchParams({ alarm: String(id) })}`;
}

export function parseRoute(hash: string): Route {
  const m = /^#\/station\/([^/?#]+)/.exec(hash);
  if (m) {
    try {
      return { name: 'station', id: decodeURIComponent(m[1]) };
    } catch {
      return { name: 'list' };
    }
  }
  const a = /^#\/(river|district|state)\/([^/?#]+)/.exec(hash);
  if (a) {
    try {
      const value = decodeURIComponent(a[2]).trim();
      if (value) return { name: 'area', kind: a[1] as 'river' | 'district' | 'state', value };
    } catch {
      /* malformed escape: fall through to the list */
    }
    return { name: 'list' };
  }
  if (/^#\/catalogue(?:[/?#]|$)/.test(hash)) return { name: 'catalogue' };
  if (/^#\/map(?:[/?#]|$)/.test(hash)) return { name: 'map' };
  if (/^#\/alarms(?:[/?#]|$)/.test(hash)) {
    const q = /^#\/alarms\?([^#]*)/.exec(hash);
    const id = q ? new URLSearchParams(q[1]).get('alarm') : null;
    return id ? { name: 'alarms', alarmId: id } : { name: 'alarms' };
  }
  if (/^#\/health(?:[/?#]|$)/.test(hash)) return { name: 'health' };
  if (/^#\/replay(?:[/?#]|$)/.test(hash)) return { name: 'replay' };
  return { name: 'list' };
}


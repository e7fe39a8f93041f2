// Hash routes: `#/` (list), `#/map`, `#/alarms` (`#/alarms?alarm=<id>` shows one alarm), `#/health`,
// `#/replay`, `#/station/<id>`, `#/catalogue` and the area summaries `#/river/<name>`,
// `#/district/<name>`, `#/state/<name>`, and `#/pair`, `#/pair/<code>` (pair this device). Hash routing works
// under both `tauri://localhost` and the hub without any server-side rewrites.
import { cleanCode } from './pairing';

export type Route =
  | { name: 'list' }
  | { name: 'map' }
  | { name: 'alarms'; alarmId?: string }
  | { name: 'health' }
  | { name: 'replay' }
  | { name: 'station'; id: string }
  | { name: 'catalogue' }
  | { name: 'area'; kind: 'river' | 'district' | 'state'; value: string }
  | { name: 'pair'; code?: string };

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
  const p = /^#\/pair(?:\/([^/?#]*))?(?:[?#]|$)/.exec(hash);
  if (p) {
    // Only the digits of a code are kept (a pasted "123 456" still works); the form checks the length.
    let raw = p[1] ?? '';
    try {
      raw = decodeURIComponent(raw);
    } catch {
      raw = raw.replace(/%[0-9A-Fa-f]{2}/g, ''); // malformed escapes: their hex digits are not the code
    }
    const code = cleanCode(raw);
    return code ? { name: 'pair', code } : { name: 'pair' };
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


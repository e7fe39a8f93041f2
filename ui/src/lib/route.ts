// Hash routes: `#/` (list), `#/map`, `#/alarms`, `#/health` and `#/station/<id>`. Hash routing works under
// both `tauri://localhost` and the hub without any server-side rewrites.
export type Route = { name: 'list' } | { name: 'map' } | { name: 'alarms' } | { name: 'health' } | { name: 'station'; id: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/station\/([^/?#]+)/.exec(hash);
  if (m) {
    try {
      return { name: 'station', id: decodeURIComponent(m[1]) };
    } catch {
      return { name: 'list' };
    }
  }
  if (/^#\/map(?:[/?#]|$)/.test(hash)) return { name: 'map' };
  if (/^#\/alarms(?:[/?#]|$)/.test(hash)) return { name: 'alarms' };
  if (/^#\/health(?:[/?#]|$)/.test(hash)) return { name: 'health' };
  return { name: 'list' };
}


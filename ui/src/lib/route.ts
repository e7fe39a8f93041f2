// Hash routes: `#/` (list) and `#/station/<id>`. Hash routing works under
// both `tauri://localhost` and the hub without any server-side rewrites.
export type Route = { name: 'list' } | { name: 'station'; id: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/station\/([^/?#]+)/.exec(hash);
  if (m) {
    try {
      return { name: 'station', id: decodeURIComponent(m[1]) };
    } catch {
      return { name: 'list' };
    }
  }
  return { name: 'list' };
}


// Optional online map tiles (pure): the tile URL check, whose credit the map shows, when failed tiles
// mean "not reachable", and the stored choice (off by default; the offline base map needs none).
import { flagPref, loadText, saveText, storage, type Store } from './prefs';

export const TILES_KEY = 'purehealth.mapTiles';
export const TILES_URL_KEY = 'purehealth.mapTilesUrl';
/** OpenStreetMap's standard tiles (tile usage policy: visible attribution, no bulk downloading). */
export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

const REQUIRED = ['{z}', '{x}', '{y}'];
/** Placeholders Leaflet fills in here: zoom, column, row and (optional) subdomain a/b/c. */
const KNOWN = new Set(['z', 'x', 'y', 's']);

export type TileUrlProblem = 'empty' | 'scheme' | 'unknown' | 'missing' | 'invalid';

/** `detail`: the unknown placeholder (`{apikey}`) or the missing ones (`{x}, {y}`); else empty. */
export type TileUrlCheck = { ok: true; url: string } | { ok: false; problem: TileUrlProblem; detail: string };

const bad = (problem: TileUrlProblem, detail = ''): TileUrlCheck => ({ ok: false, problem, detail });

/**
 * An http(s) URL template with `{z}`, `{x}` and `{y}` (and optionally `{s}`), trimmed, with a
 * lower-case scheme; otherwise the first thing wrong with it.
 */
export function checkTileUrl(raw: string): TileUrlCheck {
  const url = raw.trim().replace(/^https?:/i, (m) => m.toLowerCase());
  if (!url) return bad('empty');
  if (!/^https?:\/\//.test(url)) return bad('scheme');
  const unknown = [...url.matchAll(/\{([^{}]*)\}/g)].find((m) => !KNOWN.has(m[1]));
  if (unknown) return bad('unknown', unknown[0]);
  const missing = REQUIRED.filter((p) => !url.includes(p));
  if (missing.length) return bad('missing', missing.join(', '));
  const sample = url.replaceAll('{s}', 'a').replaceAll('{z}', '1').replaceAll('{x}', '0').replaceAll('{y}', '0');
  if (/[\s{}]/.test(sample) || !tileHost(url)) return bad('invalid');
  try {
    if (!new URL(sample).hostname) return bad('invalid');
  } catch {
    return bad('invalid');
  }
  return { ok: true, url };
}

/** The host the tiles come from (no credentials; a leading `{s}.` dropped), e.g. `tiles.example.org:8080`. */
export function tileHost(url: string): string {
  const m = /^https?:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url);
  return (m?.[1] ?? '').replace(/^\{s\}\./, '').toLowerCase();
}

/** Tiles from openstreetmap.org carry OSM's credit; any other server is named by its host. */
export function tileCredit(url: string): { osm: true } | { osm: false; host: string } {
  const host = tileHost(url);
  return host === 'tile.openstreetmap.org' || host.endsWith('.tile.openstreetmap.org') ? { osm: true } : { osm: false, host };
}

/** Leaflet puts attributions into the page as HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** This many failed tiles in a row mean the server is not reachable (offline, blocked). */
export const OFFLINE_AFTER = 3;

/** Failed tiles in a row; a tile that loads resets it. */
export class TileHealth {
  private failed = 0;
  get offline(): boolean {
    return this.failed >= OFFLINE_AFTER;
  }
  /** A tile failed: returns whether the tiles now count as unreachable. */
  error(): boolean {
    this.failed += 1;
    return this.offline;
  }
  /** A tile loaded (or the layer changed): reachable again. */
  reset(): boolean {
    this.failed = 0;
    return false;
  }
}

/** The map's "Online map tiles" checkbox: off unless turned on. */
export const { load: loadTilesPref, save: saveTilesPref } = flagPref(TILES_KEY, false);

/** The stored tile URL when it is still valid, else OpenStreetMap's. */
export function loadTilesUrl(s: Store | null = storage()): string {
  const check = checkTileUrl(loadText(TILES_URL_KEY, s) ?? '');
  return check.ok ? check.url : OSM_TILE_URL;
}

export function saveTilesUrl(url: string, s: Store | null = storage()): void {
  saveText(TILES_URL_KEY, url, s);
}

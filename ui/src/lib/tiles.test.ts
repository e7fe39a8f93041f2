import { describe, expect, it } from 'vitest';
import { memStorage } from '../testing/memStorage';
import {
  checkTileUrl,
  escapeHtml,
  loadTilesPref,
  loadTilesUrl,
  OFFLINE_AFTER,
  OSM_TILE_URL,
  saveTilesPref,
  saveTilesUrl,
  tileCredit,
  TileHealth,
  tileHost,
  TILES_KEY,
  TILES_URL_KEY,
} from './tiles';

const memory = () => {
  const s = memStorage();
  return { m: s.m, s };
};

describe('checkTileUrl', () => {
  it('accepts http(s) templates with {z}, {x}, {y} and optionally {s}', () => {
    expect(checkTileUrl(OSM_TILE_URL)).toEqual({ ok: true, url: OSM_TILE_URL });
    expect(checkTileUrl('  https://{s}.tile.example.org/{z}/{x}/{y}.png?key=1 ')).toEqual({
      ok: true,
      url: 'https://{s}.tile.example.org/{z}/{x}/{y}.png?key=1',
    });
    expect(checkTileUrl('HTTP://192.168.1.5:8080/tiles/{z}/{y}/{x}.png')).toEqual({ ok: true, url: 'http://192.168.1.5:8080/tiles/{z}/{y}/{x}.png' });
  });
  it('names what is wrong', () => {
    expect(checkTileUrl('   ')).toEqual({ ok: false, problem: 'empty', detail: '' });
    expect(checkTileUrl('ftp://tiles.example.org/{z}/{x}/{y}.png')).toMatchObject({ problem: 'scheme' });
    expect(checkTileUrl('tile.openstreetmap.org/{z}/{x}/{y}.png')).toMatchObject({ problem: 'scheme' });
    expect(checkTileUrl('https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}')).toEqual({ ok: false, problem: 'unknown', detail: '{apikey}' });
    expect(checkTileUrl('https://tiles.example.org/{Z}/{x}/{y}.png')).toMatchObject({ problem: 'unknown', detail: '{Z}' });
    expect(checkTileUrl('https://tiles.example.org/{z}/tile.png')).toEqual({ ok: false, problem: 'missing', detail: '{x}, {y}' });
    expect(checkTileUrl('https://tiles.example.org/{z}/{x}.png')).toMatchObject({ problem: 'missing', detail: '{y}' });
    expect(checkTileUrl('https://tiles example.org/{z}/{x}/{y}.png')).toMatchObject({ problem: 'invalid' });
    expect(checkTileUrl('https://tiles.example.org/{z}/{x}/{y}.png}')).toMatchObject({ problem: 'invalid' });
    expect(checkTileUrl('https:///{z}/{x}/{y}.png')).toMatchObject({ problem: 'invalid' }); // no host
    expect(checkTileUrl('https://[::1/{z}/{x}/{y}.png')).toMatchObject({ problem: 'invalid' });
  });
});

describe('tile credit', () => {
  it('credits OpenStreetMap for its servers and names any other host', () => {
    expect(tileCredit(OSM_TILE_URL)).toEqual({ osm: true });
    expect(tileCredit('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png')).toEqual({ osm: true });
    expect(tileCredit('https://b.tile.openstreetmap.org/{z}/{x}/{y}.png')).toEqual({ osm: true });
    expect(tileCredit('http://user:pw@Tiles.Example.org:8080/{z}/{x}/{y}.png')).toEqual({ osm: false, host: 'tiles.example.org:8080' });
    expect(tileCredit('https://tile.openstreetmap.org.evil.example/{z}/{x}/{y}.png')).toMatchObject({ osm: false });
    expect(tileHost('https://{s}.tiles.example.org/{z}/{x}/{y}.png')).toBe('tiles.example.org');
  });
  it('escapes HTML for the attribution control', () => {
    expect(escapeHtml(`a<b>&"'`)).toBe('a&#60;b&#62;&#38;&#34;&#39;');
  });
});

describe('TileHealth', () => {
  it(`counts ${OFFLINE_AFTER} failed tiles in a row as unreachable; a loaded tile clears it`, () => {
    const h = new TileHealth();
    for (let i = 1; i < OFFLINE_AFTER; i++) expect(h.error()).toBe(false);
    expect(h.error()).toBe(true);
    expect(h.offline).toBe(true);
    expect(h.reset()).toBe(false);
    expect(h.offline).toBe(false);
    h.error();
    h.reset();
    for (let i = 1; i < OFFLINE_AFTER; i++) h.error();
    expect(h.offline).toBe(false);
  });
});

describe('tiles preferences', () => {
  it('are off by default with OpenStreetMap, and persist', () => {
    const { m, s } = memory();
    expect(loadTilesPref(s)).toBe(false);
    expect(loadTilesUrl(s)).toBe(OSM_TILE_URL);
    saveTilesPref(true, s);
    saveTilesUrl('http://10.0.0.2/t/{z}/{x}/{y}.png', s);
    expect(m.get(TILES_KEY)).toBe('1');
    expect(loadTilesPref(s)).toBe(true);
    expect(loadTilesUrl(s)).toBe('http://10.0.0.2/t/{z}/{x}/{y}.png');
    saveTilesPref(false, s);
    expect(m.get(TILES_KEY)).toBe('0');
    expect(loadTilesPref(s)).toBe(false);
  });
  it('fall back to OpenStreetMap without storage or with an invalid stored URL', () => {
    const { m, s } = memory();
    m.set(TILES_URL_KEY, 'https://example.org/no-placeholders.png');
    expect(loadTilesUrl(s)).toBe(OSM_TILE_URL);
    expect(loadTilesPref(null)).toBe(false);
    expect(loadTilesUrl(null)).toBe(OSM_TILE_URL);
  });
});

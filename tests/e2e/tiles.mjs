// Map tiles for the browser e2e, which has no internet (served by stac-replay.mjs; no npm
// dependencies): every GET /tiles/{z}/{x}/{y}.png is the same 256×256 light-green PNG, made here
// with node:zlib, and GET /tiles/count answers {"tiles": <tile requests so far>}.
import { crc32, deflateSync } from 'node:zlib';

/** The tiles' colour (a light green no offline layer uses). */
export const TILE_RGB = [0xb9, 0xe4, 0xb0];

function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A `width`×`height` PNG of one RGB colour (8-bit truecolour, no interlace). */
export function solidPng(width, height, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace
  const row = Buffer.alloc(1 + width * 3); // filter byte 0 (none), then the pixels
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const TILE = solidPng(256, 256, TILE_RGB);
const TILE_PATH = /^\/tiles\/\d+\/\d+\/\d+\.png$/;
let served = 0;

/** Answers GET /tiles/… (true), or leaves the request to the caller (false). */
export function serveTiles(method, pathname, res) {
  if (method !== 'GET' || !pathname.startsWith('/tiles/')) return false;
  if (pathname === '/tiles/count') {
    const body = JSON.stringify({ tiles: served });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
    return true;
  }
  if (!TILE_PATH.test(pathname)) return false;
  served += 1;
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': TILE.length, 'cache-control': 'no-store' });
  res.end(TILE);
  return true;
}

#!/usr/bin/env node
// A tiny STAC API + COG server replaying tests/fixtures/sources/s2_scene for the satellite
// connector in the browser e2e run, which also serves the map's online tiles there (tiles.mjs; no
// npm dependencies).
//
// Usage:   node tests/e2e/stac-replay.mjs [PORT] [--port-file FILE]
//          (or STAC_REPLAY_PORT / STAC_REPLAY_PORT_FILE; port 0 or none = any free port)
//
// Serves, on 127.0.0.1:
//   POST|GET /search              items.template.json with @BASE@ = http://127.0.0.1:PORT, @T0@/@T1@ =
//                                 now − 2 / 7 days (RFC 3339 UTC, whole seconds, `Z`), @D0@/@D1@ = those
//                                 days as YYYYMMDD (filled in per request)
//   GET /cogs/<scene>/<band>.tif  the fixture file, with HTTP Range (`bytes=a-b`, `a-`, `-n`): 206 +
//                                 Content-Range (b clamped to the end), 416 when a ≥ size; no Range: 200
//   GET /tiles/<z>/<x>/<y>.png    a 256×256 light-green PNG (counted); GET /tiles/count: {"tiles": n}
//   anything else                 404
// Prints "stac-replay listening on http://127.0.0.1:PORT", writes PORT to the port file once listening,
// and logs one line per request.
import { createServer } from 'node:http';
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveTiles } from './tiles.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(here, '../fixtures/sources/s2_scene');
const TEMPLATE = readFileSync(path.join(FIXTURE, 'items.template.json'), 'utf8');
const DAY_MS = 86_400_000;

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const port = Number(positional ?? process.env.STAC_REPLAY_PORT ?? 0);
const portFile = flag('--port-file') ?? process.env.STAC_REPLAY_PORT_FILE;

/** RFC 3339 UTC with whole seconds: 2026-12-04T16:40:00Z. */
export const rfc3339 = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
/** YYYYMMDD (UTC). */
export const ymd = (ms) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

/** The search answer for `base` at `now`. */
export function searchBody(base, now = Date.now()) {
  const t0 = now - 2 * DAY_MS;
  const t1 = now - 7 * DAY_MS;
  return TEMPLATE.replaceAll('@BASE@', base)
    .replaceAll('@T0@', rfc3339(t0))
    .replaceAll('@T1@', rfc3339(t1))
    .replaceAll('@D0@', ymd(t0))
    .replaceAll('@D1@', ymd(t1));
}

/**
 * Parses one `Range: bytes=…` against `size`: {start, end} (inclusive), 'unsatisfiable', or null
 * when the header is absent or not a single byte range (then the whole file is sent).
 */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return null;
  return { start, end };
}

/** `/cogs/<scene>/<band>.tif` → the fixture path, or null (unknown shape or path traversal). */
export function cogPath(urlPath) {
  const m = /^\/cogs\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+\.tif)$/.exec(urlPath);
  if (!m) return null;
  const file = path.resolve(FIXTURE, m[1], m[2]);
  return file.startsWith(FIXTURE + path.sep) ? file : null;
}

function readBytes(file, start, end) {
  const buf = Buffer.alloc(end - start + 1);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return buf;
}

function serveCog(req, res, file) {
  let size;
  try {
    size = statSync(file).size;
  } catch {
    return notFound(res);
  }
  const head = { 'content-type': 'image/tiff', 'accept-ranges': 'bytes' };
  const r = parseRange(req.headers.range, size);
  if (r === 'unsatisfiable') {
    res.writeHead(416, { ...head, 'content-range': `bytes */${size}` });
    return res.end();
  }
  if (!r) {
    res.writeHead(200, { ...head, 'content-length': size });
    return res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  }
  const body = readBytes(file, r.start, r.end);
  res.writeHead(206, { ...head, 'content-length': body.length, 'content-range': `bytes ${r.start}-${r.end}/${size}` });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"code":"NotFound","description":"not in the replay"}');
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const base = `http://127.0.0.1:${server.address().port}`;
  // Drain any request body (the search parameters are not used: the fixture is the answer).
  req.resume();
  req.on('end', () => {
    console.log(`${new Date().toISOString()} ${req.method} ${url.pathname}${req.headers.range ? ` (${req.headers.range})` : ''}`);
    if (url.pathname === '/search' && (req.method === 'POST' || req.method === 'GET')) {
      const body = searchBody(base);
      res.writeHead(200, { 'content-type': 'application/geo+json', 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    if (serveTiles(req.method, url.pathname, res)) return;
    const file = (req.method === 'GET' || req.method === 'HEAD') && cogPath(url.pathname);
    if (file) return serveCog(req, res, file);
    notFound(res);
  });
});

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  server.listen(port, '127.0.0.1', () => {
    const p = server.address().port;
    if (portFile) writeFileSync(portFile, `${p}\n`);
    console.log(`stac-replay listening on http://127.0.0.1:${p}`);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

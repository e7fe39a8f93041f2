#!/usr/bin/env node
// Dashboard performance in headless Chromium: overview load with many stations and live updates.
//
// Usage:
//   HUB_URL=http://127.0.0.1:4173 MQTT_URL=mqtt://127.0.0.1:18932 node tests/e2e/perf.mjs
//
// Environment:
//   HUB_URL          page to open: the hub, or `npx vite preview` proxying /api and /ws to it (required)
//   MQTT_URL         the hub's MQTT broker (mqtt://host:port). Without it nothing is published and the
//                    live phase measures whatever the hub sends (e.g. `--demo`).
//   PERF_STATIONS    stations to register before the load phase (default 5000; 0 = do not register).
//                    Each gets one reading of ph, dissolved_oxygen, bod and fecal_coliform
//                    (topic purehealth/PERF-00000/ph …), so the hub computes a WQI/class for it.
//   PERF_RATE        readings per second in the live phase (default 500), round-robin over the stations
//   PERF_SECONDS     length of the live phase (default 25)
//   PERF_LOADS       number of cold page loads measured (default 3; the median is reported)
//   CHROMIUM_PATH    browser executable (default /usr/bin/chromium)
//
// Prints a table. Exits 1 only on errors (no rows, browser or broker failure), never on missed targets.
// The MQTT publisher is a minimal MQTT 3.1.1 QoS 0 client on node:net, so no extra package is needed.
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../ui/package.json'));
const { chromium } = require('playwright-core');

const HUB_URL = process.env.HUB_URL;
const MQTT_URL = process.env.MQTT_URL || '';
const STATIONS = Number(process.env.PERF_STATIONS ?? 5000);
const RATE = Number(process.env.PERF_RATE ?? 500);
const SECONDS = Number(process.env.PERF_SECONDS ?? 25);
const LOADS = Math.max(1, Number(process.env.PERF_LOADS ?? 3));
const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PARAMS = ['ph', 'dissolved_oxygen', 'bod', 'fecal_coliform'];
const FRAME_MS = 1000 / 60;

if (!HUB_URL) {
  console.error('error: HUB_URL is not set');
  process.exit(2);
}

// ---------------------------------------------------------------- MQTT (3.1.1, QoS 0 publish only)
function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const str = (s) => {
  const b = Buffer.from(s, 'utf8');
  const l = Buffer.alloc(2);
  l.writeUInt16BE(b.length);
  return Buffer.concat([l, b]);
};
function packet(type, body) {
  return Buffer.concat([Buffer.from([type]), varint(body.length), body]);
}
async function mqttConnect(url) {
  const u = new URL(url);
  const sock = net.connect(Number(u.port || 1883), u.hostname);
  sock.setNoDelay(true);
  await new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.once('connect', resolve);
  });
  // keep-alive 3600 s: the run is shorter, so no PINGREQ is needed
  const vh = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0x0e, 0x10])]);
  sock.write(packet(0x10, Buffer.concat([vh, str(`purehealth-perf-${process.pid}`)])));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no CONNACK within 5 s')), 5000);
    sock.once('data', (d) => {
      clearTimeout(t);
      if (d[0] !== 0x20 || d[3] !== 0) reject(new Error(`CONNACK refused: ${d.toString('hex')}`));
      else resolve();
    });
  });
  sock.on('data', () => {});
  return {
    async publish(topic, payload) {
      if (!sock.write(packet(0x30, Buffer.concat([str(topic), Buffer.from(payload)])))) await new Promise((r) => sock.once('drain', r));
    },
    async end() {
      await new Promise((r) => sock.end(packet(0xe0, Buffer.alloc(0)), r));
    },
  };
}
const stationId = (i) => `PERF-${String(i).padStart(5, '0')}`;
function value(p) {
  switch (p) {
    case 'ph':
      return 6.6 + Math.random() * 1.8;
    case 'dissolved_oxygen':
      return 4.5 + Math.random() * 4;
    case 'bod':
      return 1 + Math.random() * 4;
    default:
      return 50 + Math.random() * 2000;
  }
}
const reading = (p) => JSON.stringify({ value: Number(value(p).toFixed(3)), timestamp: new Date().toISOString() });

// ---------------------------------------------------------------- page instrumentation
// Installed before any page script: long tasks, rAF frame gaps, WebSocket arrivals and the time from a
// frame's arrival to the matching row's data-seq in the DOM.
function instrument() {
  const P = (window.__perf = { longtasks: [], recv: new Map(), lat: [], frames: [], recording: false, wsFrames: 0 });
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) P.longtasks.push({ start: e.startTime, dur: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const tick = (t) => {
    if (P.recording) P.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string' || !ev.data.includes('"type":"station_update"')) return;
        P.wsFrames += 1;
        // cheap field extraction; key order is not fixed, but data.station_id is always a string
        const seq = /"seq":(\d+)/.exec(ev.data);
        const id = /"station_id":"([^"]+)"/.exec(ev.data); // data.station_id is always a string
        if (seq && id) P.recv.set(id[1], { seq: Number(seq[1]), t: performance.now() });
      });
    }
  };
  new MutationObserver((muts) => {
    const now = performance.now();
    for (const m of muts) {
      const el = m.target;
      if (m.type === 'attributes' && m.attributeName === 'data-seq' && el.getAttribute('data-testid') === 'station-row') {
        const r = P.recv.get(el.getAttribute('data-station-id'));
        if (r && Number(el.getAttribute('data-seq')) === r.seq && P.recording) P.lat.push(now - r.t);
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-seq'] });
}

/** In the page: resolves when the list says "N of N" with N >= want and rows are painted. */
function waitLoaded(want) {
  return new Promise((resolve) => {
    const check = () => {
      const c = document.querySelector('[data-testid=station-count]');
      const nums = (c?.textContent ?? '').replace(/[,\s\u00a0\u202f]/g, ' ').match(/\d+/g)?.map(Number) ?? [];
      const rows = document.querySelectorAll('[data-testid=station-row]').length;
      if (nums.length >= 2 && nums[1] >= want && nums[0] === nums[1] && rows > 0) {
        const tDom = performance.now();
        // next frame = after the rows were painted
        requestAnimationFrame(() =>
          setTimeout(() => {
            const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
            const api = performance.getEntriesByType('resource').find((e) => /\/api\/stations$/.test(e.name));
            resolve({
              dom: tDom,
              painted: performance.now(),
              fcp,
              apiStart: api?.startTime ?? null,
              apiEnd: api?.responseEnd ?? null,
              apiBytes: api?.encodedBodySize ?? null,
              rows,
              total: nums[1],
              nodes: document.getElementsByTagName('*').length,
              longtasks: window.__perf.longtasks.filter((l) => l.start < tDom),
            });
          }, 0),
        );
      } else setTimeout(check, 5);
    };
    check();
  });
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const f = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** Frame statistics from rAF timestamps: frames missed = gaps longer than 1.5 frames, counted in frames. */
function frameStats(ts, durMs) {
  let dropped = 0;
  let worst = 0;
  for (let i = 1; i < ts.length; i++) {
    const g = ts[i] - ts[i - 1];
    worst = Math.max(worst, g);
    if (g > 1.5 * FRAME_MS) dropped += Math.round(g / FRAME_MS) - 1;
  }
  return { frames: ts.length, expected: Math.round(durMs / FRAME_MS), dropped, worst };
}

// ---------------------------------------------------------------- run
let errors = 0;
const table = [];
const row = (metric, val, target = '') => table.push([metric, String(val), target]);
let browser;
let mq = null;
try {
  if (MQTT_URL) mq = await mqttConnect(MQTT_URL);
  const base = HUB_URL.replace(/\/+$/, '');
  // /api/stations rather than /health: `vite preview` proxies only /api and /ws
  const known = async () => (await (await fetch(`${base}/api/stations`)).json()).length;

  if (mq && STATIONS > 0) {
    const t0 = Date.now();
    let n = 0;
    for (let i = 0; i < STATIONS; i++)
      for (const p of PARAMS) {
        await mq.publish(`purehealth/${stationId(i)}/${p}`, reading(p));
        if (++n % 2000 === 0) await new Promise((r) => setTimeout(r, 20));
      }
    const deadline = Date.now() + 30_000;
    while ((await known()) < STATIONS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    console.log(`registered ${STATIONS} stations (${n} readings) in ${Date.now() - t0} ms; hub knows ${await known()}`);
  }
  const want = Math.max(1, (await fetch(`${base}/api/stations`).then((r) => r.json())).length);

  browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });

  // (a) cold loads
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    await page.addInitScript(instrument);
    page.on('pageerror', (e) => {
      errors += 1;
      console.error('page error:', String(e));
    });
    await page.goto(HUB_URL, { waitUntil: 'commit' });
    const r = await page.evaluate(waitLoaded, want);
    loads.push(r);
    console.log(
      `load ${i + 1}: ${f(r.painted)} ms to ${r.total} stations painted (${r.rows} rows in DOM, ${r.nodes} elements); FCP ${f(r.fcp)} ms; /api/stations ${f(r.apiStart)}–${f(r.apiEnd)} ms (${f((r.apiBytes ?? NaN) / 1e6, 1)} MB); long tasks ${r.longtasks.length} (max ${f(Math.max(0, ...r.longtasks.map((l) => l.dur)))} ms)`,
    );
    if (i < LOADS - 1) await ctx.close();
    else loads.page = page;
  }
  const page = loads.page;
  row('stations', want);
  row('load: navigation → all stations listed and painted (median ms)', f(median(loads.map((l) => l.painted))), '< 1000');
  row('load: first contentful paint (median ms)', f(median(loads.map((l) => l.fcp))));
  row('load: /api/stations response end (median ms)', f(median(loads.map((l) => l.apiEnd))));
  row('load: longest task during load (median ms)', f(median(loads.map((l) => Math.max(0, ...l.longtasks.map((x) => x.dur))))));
  row('load: station rows in the DOM', loads.at(-1).rows);
  row('load: DOM elements', loads.at(-1).nodes);

  // (b) live updates
  await page.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, { timeout: 15_000 });
  await page.waitForTimeout(1000);
  const feedStations = mq ? Math.max(1, STATIONS || want) : 0;
  await page.evaluate(() => {
    const P = window.__perf;
    P.frames = [];
    P.lat = [];
    P.ltFrom = performance.now();
    P.ws0 = P.wsFrames;
    P.recording = true;
  });
  const t0 = Date.now();
  let sent = 0;
  let k = 0;
  const samples = [];
  let nextSample = t0 + 1000;
  while (Date.now() - t0 < SECONDS * 1000) {
    if (mq) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      while (sent < due) {
        const s = k % feedStations;
        const p = PARAMS[Math.floor(k / feedStations) % PARAMS.length];
        k += 1;
        sent += 1;
        await mq.publish(`purehealth/${stationId(s)}/${p}`, reading(p));
      }
    }
    if (Date.now() >= nextSample) {
      nextSample += 1000;
      // visible rows whose data-seq equals the newest seq the socket delivered for that station
      samples.push(
        await page.evaluate(() => {
          const P = window.__perf;
          let ok = 0;
          let n = 0;
          for (const el of document.querySelectorAll('[data-testid=station-row]')) {
            const r = P.recv.get(el.getAttribute('data-station-id'));
            if (!r || performance.now() - r.t < 100) continue; // just arrived; give it a frame or two
            n += 1;
            if (Number(el.getAttribute('data-seq')) === r.seq) ok += 1;
          }
          return { ok, n };
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const liveMs = Date.now() - t0;
  const live = await page.evaluate(() => {
    const P = window.__perf;
    P.recording = false;
    return { frames: P.frames, lat: P.lat, lt: P.longtasks.filter((l) => l.start >= P.ltFrom), ws: P.wsFrames - P.ws0 };
  });
  const fs = frameStats(live.frames, live.frames.length ? live.frames.at(-1) - live.frames[0] : liveMs);
  const tracked = samples.reduce((a, s) => a + s.ok, 0);
  const checked = samples.reduce((a, s) => a + s.n, 0);
  row('live: readings published', mq ? `${sent} in ${f(liveMs / 1000, 1)} s (${f(sent / (liveMs / 1000))}/s)` : 'none (no MQTT_URL)', `${RATE}/s`);
  row('live: station_update frames received by the page', live.ws);
  row('live: rAF frames / expected at 60 Hz', `${fs.frames} / ${fs.expected}`);
  row('live: dropped frames (gaps > 1.5 frames)', fs.dropped, '0');
  row('live: longest frame gap (ms)', f(fs.worst, 1));
  row('live: long tasks (> 50 ms)', `${live.lt.length} (total ${f(live.lt.reduce((a, l) => a + l.dur, 0))} ms, max ${f(Math.max(0, ...live.lt.map((l) => l.dur)))} ms)`, '0');
  row('live: frame → row data-seq latency p50 / p95 / max (ms)', `${f(median(live.lat), 1)} / ${f(pct(live.lat, 95), 1)} / ${f(Math.max(...live.lat), 1)} (n=${live.lat.length})`);
  row('live: visible rows showing the newest seq (1 Hz samples)', checked ? `${tracked} / ${checked}` : '–');

  // (c) scrolling through the list while updates keep coming (virtualisation check)
  if (mq) {
    await page.evaluate(() => {
      const P = window.__perf;
      P.frames = [];
      P.ltFrom = performance.now();
      P.recording = true;
      const end = performance.now() + 5000;
      const step = () => {
        window.scrollBy(0, 120);
        if (performance.now() < end) requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const s0 = Date.now();
    let sent2 = 0;
    while (Date.now() - s0 < 5000) {
      const due = Math.floor(((Date.now() - s0) / 1000) * RATE);
      while (sent2 < due) {
        const s = k % feedStations;
        const p = PARAMS[Math.floor(k / feedStations) % PARAMS.length];
        k += 1;
        sent2 += 1;
        await mq.publish(`purehealth/${stationId(s)}/${p}`, reading(p));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const sc = await page.evaluate(() => {
      const P = window.__perf;
      P.recording = false;
      return {
        frames: P.frames,
        lt: P.longtasks.filter((l) => l.start >= P.ltFrom),
        y: window.scrollY,
        rows: document.querySelectorAll('[data-testid=station-row]').length,
      };
    });
    const ss = frameStats(sc.frames, sc.frames.length ? sc.frames.at(-1) - sc.frames[0] : 5000);
    row('scroll 5 s at 120 px/frame + live feed: dropped frames', `${ss.dropped} of ${ss.expected} (worst gap ${f(ss.worst, 1)} ms, ${sc.lt.length} long tasks)`);
    row('scroll: position reached / rows in DOM', `${f(sc.y)} px / ${sc.rows}`);
  }
  if (loads.at(-1).rows === 0) throw new Error('no station rows rendered');
} catch (e) {
  errors += 1;
  console.error('error:', e?.message ?? e);
} finally {
  await mq?.end().catch(() => {});
  await browser?.close().catch(() => {});
}

const w = Math.max(6, ...table.map((r) => r[0].length));
const w2 = Math.max(5, ...table.map((r) => r[1].length));
console.log(`\n${'metric'.padEnd(w)} | ${'value'.padEnd(w2)} | target`);
console.log(`${'-'.repeat(w)}-|-${'-'.repeat(w2)}-|-------`);
for (const [m, v, t] of table) console.log(`${m.padEnd(w)} | ${v.padEnd(w2)} | ${t}`);
console.log(`\nchromium ${EXECUTABLE}, viewport 1280x860, ${HUB_URL}`);
process.exit(errors ? 1 : 0);

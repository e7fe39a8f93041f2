#!/usr/bin/env node
// Browser end-to-end test of the Pure Health web UI against a running hub.
//
// Usage:   HUB_URL=http://127.0.0.1:18080 npm --prefix ui run e2e:browser
//
// Environment:
//   HUB_URL          base URL of the hub serving ui/dist + /api + /ws (required)
//   CHROMIUM_PATH    browser executable (default /usr/bin/chromium)
//   E2E_ARTIFACTS    screenshot directory (default tests/e2e/artifacts next to this script)
//   E2E_LIVE_TIMEOUT_MS  how long to wait for a live update (default 30000)
//   E2E_FORECAST_STATION  station whose forecast/trend panels are checked (default apacpwq, a demo station)
//   E2E_FORECAST_TIMEOUT_MS  how long to wait for its forecast panel (default 90000; the demo hub has a
//                    forecast about 30 s after it started, and the panel retries every 30 s)
//   E2E_REPLAY_HOURS  replay window ending now (default 6; played at ×3600, so 6 h take 6 s)
//   E2E_CATALOGUE_QUERY  catalogue search text (default godavari; must match stations)
//   E2E_AREA_RIVER   river whose area summary is checked (default Godavari; must have stations on record)
//   E2E_SATELLITE_STATION  station whose satellite panel is checked (default apacpwq; scripts/test.sh enables the
//                    satellite source for it against tests/e2e/stac-replay.mjs: a clear and a cloudy scene)
//   E2E_SATELLITE_TIMEOUT_MS  how long to wait for both scenes in GET …/satellite (default 60000)
//   E2E_TILES_URL    optional base URL of a server answering /tiles/{z}/{x}/{y}.png and /tiles/count
//                    (tests/e2e/tiles.mjs; scripts/test.sh passes stac-replay.mjs's); without it the
//                    map's online-tiles step is skipped
//   E2E_PROFILE_STATION  station whose criteria profile is changed to cpcb.dbu.C and back, whose units and
//                    "Fetch history" disclosure are checked (default apacpwq)
//   HUB_RESTART_CMD  optional shell command that restarts the hub on the same port; when set, the
//                    reconnection step runs it and expects conn-state to leave `live`, come back,
//                    and live updates (data-seq) to resume
//   E2E_BROKER_PORT  optional port of the hub's MQTT broker on 127.0.0.1; when set (and mosquitto_pub
//                    exists), the new-critical-alarm banner step publishes DO 1.0 mg/L for a fresh
//                    station `e2e-crit-<time>` and expects the `critical-banner`
//   E2E_REQUIRE_ALARM  when set, the alarm steps fail (instead of skipping) without the open
//                    `e2e-river` alarm that scripts/test.sh creates (DO 2.0 mg/L)
//
// playwright-core is resolved from ui/node_modules (a devDependency of ui/), so
// run `npm ci` in ui/ first. Exit code: 0 when every step passed, 1 otherwise.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../ui/package.json'));
const { chromium } = require('playwright-core');

const HUB_URL = process.env.HUB_URL;
const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(here, 'artifacts');
const LIVE_TIMEOUT = Number(process.env.E2E_LIVE_TIMEOUT_MS || 30_000);
const HUB_RESTART_CMD = process.env.HUB_RESTART_CMD || '';
const FORECAST_STATION = process.env.E2E_FORECAST_STATION || 'apacpwq';
const FORECAST_TIMEOUT = Number(process.env.E2E_FORECAST_TIMEOUT_MS || 90_000);
const BROKER_PORT = process.env.E2E_BROKER_PORT || '';
const REQUIRE_ALARM = Boolean(process.env.E2E_REQUIRE_ALARM);
const REPLAY_HOURS = Number(process.env.E2E_REPLAY_HOURS || 6);
const CATALOGUE_QUERY = process.env.E2E_CATALOGUE_QUERY || 'godavari';
const AREA_RIVER = process.env.E2E_AREA_RIVER || 'Godavari';
const PROFILE_STATION = process.env.E2E_PROFILE_STATION || 'apacpwq';
const SATELLITE_STATION = process.env.E2E_SATELLITE_STATION || 'apacpwq';
const SATELLITE_TIMEOUT = Number(process.env.E2E_SATELLITE_TIMEOUT_MS || 60_000);
const TILES_URL = (process.env.E2E_TILES_URL || '').replace(/\/+$/, '');
const IMPORT_FIXTURE = path.join(here, '../fixtures/sources/nwmp/mpcb_nwmp_table_sample.csv');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!HUB_URL) {
  console.error('FAIL setup: HUB_URL is not set (e.g. HUB_URL=http://127.0.0.1:18080)');
  process.exit(2);
}

let failures = 0;
const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    const line = `PASS ${name} (${Date.now() - t0} ms)${detail ? ` — ${detail}` : ''}`;
    results.push(line);
    console.log(line);
    return true;
  } catch (e) {
    failures += 1;
    const line = `FAIL ${name} (${Date.now() - t0} ms) — ${e?.message?.split('\n')[0] ?? e}`;
    results.push(line);
    console.log(line);
    return false;
  }
}

mkdirSync(ARTIFACTS, { recursive: true });
// chromium.launch() always starts from a fresh temporary profile (Playwright creates
// and deletes its own user-data-dir; passing --user-data-dir to launch() is refused).
let browser;
const consoleErrors = [];
try {
  browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });
} catch (e) {
  console.log(`FAIL launch chromium (${EXECUTABLE}) — ${e?.message?.split('\n')[0] ?? e}`);
  process.exit(1);
}
const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
const page = await context.newPage();
// While the hub is deliberately restarted, failed requests are expected and not counted.
let restarting = false;
page.on('console', (m) => {
  if (m.type() === 'error' && !restarting) consoleErrors.push(`${m.text()}${m.location()?.url ? ` (${m.location().url})` : ''}`);
});
/** Tile servers the online-tiles step makes unreachable on purpose (their failed tiles are logged). */
const deadTileOrigins = [];
/** "No forecast yet" is a 404 the forecast panel expects (and retries); the browser still logs it. */
const expectedError = (e) =>
  /WebSocket connection to .* failed/i.test(e) ||
  /status of 404.*\/api\/stations\/[^/]+\/forecast\?/.test(e) ||
  deadTileOrigins.some((o) => e.startsWith('Failed to load resource') && e.includes(`(${o}/`));
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const shot = (name, fullPage = true) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage });
const overflowX = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const base = HUB_URL.replace(/\/+$/, '');

/** RFC 4180 parser (same rules as ui/src/lib/csv.ts). */
function parseCsv(text) {
  const out = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), out.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), out.push(row);
  return out;
}

/** `window.__e2eSnap()` → {station id: {seq, t, wqi}} of the rendered rows. */
async function installSnap() {
  await page.evaluate(() => {
    window.__e2eSnap = () =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid=station-row]')].map((e) => [
          e.getAttribute('data-station-id'),
          {
            seq: Number(e.getAttribute('data-seq') || 0),
            t: e.querySelector('[data-testid=station-updated]')?.getAttribute('datetime') ?? '',
            wqi: e.querySelector('[data-testid=station-wqi]')?.textContent?.trim() ?? '',
          },
        ]),
      );
  });
}

async function getJson(url) {
  const res = await page.request.get(url);
  if (!res.ok()) throw new Error(`${url}: HTTP ${res.status()}`);
  return res.json();
}

/** A port on 127.0.0.1 nothing listens on (bound once, then released). */
const closedPort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** Switches the theme select, waits for `data-theme`, runs `fn`, then returns to `system`. */
async function withTheme(theme, fn) {
  await page.getByTestId('theme-select').selectOption(theme);
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme, { timeout: 2_000 });
  await page.waitForTimeout(300); // charts rebuild with the new colours
  try {
    return await fn();
  } finally {
    await page.getByTestId('theme-select').selectOption('system');
  }
}

const openStation = async (id) => {
  await page.evaluate((id) => (window.location.hash = `#/station/${encodeURIComponent(id)}`), id);
  await page.locator(`[data-testid=station-view][data-station-id="${id}"]`).waitFor({ state: 'visible', timeout: 10_000 });
};
const waitHealthLoaded = () =>
  page.waitForFunction(() => document.querySelector('[data-testid=health-view]')?.getAttribute('data-loaded') === 'true', null, { timeout: 10_000 });

/** GET a JSON endpoint the new views use; a 404 names the missing endpoint instead of a bare status. */
async function getApi(pathAndQuery, what) {
  const res = await page.request.get(`${base}${pathAndQuery}`);
  if (res.status() === 404) {
    const body = (await res.text()).slice(0, 200);
    throw new Error(`GET ${pathAndQuery} answered 404 (${body || 'empty body'}): ${what}`);
  }
  if (!res.ok()) throw new Error(`GET ${pathAndQuery}: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** Scrolls `testid` to the top of the viewport, below the sticky header. */
const scrollToTestId = (testid, offset = 16) =>
  page.evaluate(
    ([id, off]) => {
      document.querySelector(`[data-testid="${id}"]`)?.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -(document.querySelector('header')?.offsetHeight ?? 0) - off);
    },
    [testid, offset],
  );
/** Viewport shots `<name>-light.png` and `<name>-dark.png`, each scrolled to `testid`. */
async function shotsAt(testid, name) {
  await scrollToTestId(testid);
  await page.waitForTimeout(200);
  await shot(`${name}-light.png`, false);
  await withTheme('dark', async () => {
    await scrollToTestId(testid);
    await shot(`${name}-dark.png`, false);
  });
}
const waitCatalogue = () =>
  page.waitForFunction(() => document.querySelector('[data-testid=catalogue]')?.getAttribute('data-state') === 'ok', null, { timeout: 10_000 });
const waitArea = () =>
  page.waitForFunction(
    () => {
      const st = document.querySelector('[data-testid=area-summary]')?.getAttribute('data-state');
      return st && st !== 'loading' ? st : null;
    },
    null,
    { timeout: 10_000 },
  );
const waitComprehensive = async () => {
  const st = await (
    await page.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid=comprehensive]')?.getAttribute('data-state');
        return v && v !== 'loading' ? v : null;
      },
      null,
      { timeout: 15_000 },
    )
  ).jsonValue();
  if (st === 'error' || st === 'missing') {
    const msg = (await page.getByTestId('comprehensive').textContent())?.trim().slice(0, 200);
    throw new Error(`"All sources" section is ${st}: ${msg}`);
  }
  return st;
};

/** `GET …/series` exactly as the UI asks it; a 404 means the hub has no such endpoint (yet). */
async function getSeries(id, parameter, from, to, resolution = 'auto') {
  const url = `${base}/api/stations/${encodeURIComponent(id)}/series?${new URLSearchParams({ parameter, from, to, resolution })}`;
  const res = await page.request.get(url);
  if (res.status() === 404) {
    const body = (await res.text()).slice(0, 200);
    throw new Error(`GET /api/stations/${id}/series answered 404 (${body || 'empty body'}): this hub has no /series endpoint`);
  }
  if (!res.ok()) throw new Error(`GET ${url}: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** Waits for the station charts of `range` to finish loading; throws the shown error if they failed. */
async function waitRange(range, timeout = 30_000) {
  const state = await (
    await page.waitForFunction(
      (r) => {
        const c = document.querySelector('[data-testid=station-charts]');
        return c?.getAttribute('data-range') === r && c.getAttribute('data-state') !== 'loading' ? c.getAttribute('data-state') : null;
      },
      range,
      { timeout },
    )
  ).jsonValue();
  if (state === 'error') {
    const msg = (await page.locator('[data-testid=station-view] [role=alert]').first().textContent().catch(() => ''))?.trim();
    throw new Error(`${range} charts failed: "${msg}" (GET …/series)`);
  }
}

/** The replay window of the last `hours` hours as datetime-local values in the page's time zone. */
const replayWindow = (hours) =>
  page.evaluate((h) => {
    const pad = (n) => String(n).padStart(2, '0');
    const f = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const to = new Date();
    return { from: f(new Date(to.getTime() - h * 3600e3)), to: f(to) };
  }, hours);

const rows = page.locator('[data-testid=station-row]');
// The overview is virtualised: only rows near the viewport are in the DOM, so list sizes are read from
// the count line (`data-shown` = stations passing search and filters, `data-total` = all stations).
const countAttr = async (name) => Number(await page.getByTestId('station-count').getAttribute(name));
const waitShown = (n) =>
  page.waitForFunction((n) => document.querySelector('[data-testid=station-count]')?.getAttribute('data-shown') === String(n), n, { timeout: 5_000 });

try {
  const opened = await step('open page', async () => {
    const res = await page.goto(HUB_URL, { waitUntil: 'domcontentloaded', timeout: 15_000 });
    if (!res || !res.ok()) throw new Error(`HTTP ${res?.status()}`);
    return `${HUB_URL} → ${res.status()}`;
  });
  if (!opened) throw new Error('abort');

  await step('connection state is live', async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, {
      timeout: 15_000,
    });
  });

  const haveRows = await step('station rows rendered', async () => {
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    // Live updates can show a few stations before the full list has arrived; wait for the list.
    const apiCount = (await getJson(`${base}/api/stations`)).length;
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=station-count]')?.getAttribute('data-total')) >= n, apiCount, { timeout: 15_000 });
    const total = await countAttr('data-total');
    const rendered = await rows.count();
    if (rendered < 1 || rendered > total) throw new Error(`${rendered} rows rendered for ${total} stations`);
    return `${total} station(s), ${rendered} row(s) in the DOM`;
  });
  if (!haveRows) throw new Error('abort');

  await step('live update reaches a row (data-seq increases)', async () => {
    // Installed in the page so the before/after snapshots use the same code.
    await installSnap();
    const before = await page.evaluate(() => window.__e2eSnap());
    const handle = await page.waitForFunction(
      (b) => {
        const now = window.__e2eSnap();
        for (const [id, n] of Object.entries(now)) {
          const o = b[id];
          if (!o) continue;
          if (n.seq > o.seq) return { id, how: `seq ${o.seq} → ${n.seq}`, wqi: n.wqi };
          if (n.t !== o.t) return { id, how: `observation time changed (no seq!)`, wqi: n.wqi, noSeq: true };
        }
        return null;
      },
      before,
      { timeout: LIVE_TIMEOUT, polling: 250 },
    );
    const r = await handle.jsonValue();
    if (r.noSeq) throw new Error(`${r.id}: ${r.how} — station_update.data.seq missing`);
    return `${r.id}: ${r.how}, WQI ${r.wqi}`;
  });

  await shot('list.png');
  await shot('list-light.png');

  await step('filter chips: class', async () => {
    const total = await countAttr('data-total');
    const classes = await page.locator('[data-testid=station-row] [data-testid=station-class]').evaluateAll((els) => els.map((e) => e.getAttribute('data-class')));
    const cls = classes.find((c) => c) || 'none';
    const api = await getJson(`${base}/api/stations`);
    const want = api.filter((s) => (s.class || 'none') === cls).length;
    // Under a busy live feed classes change while we look; allow 2 % churn against the API snapshot.
    const slack = Math.floor(want * 0.02);
    await page.getByTestId(`filter-class-${cls}`).click();
    await page.waitForFunction(
      ([cls, want, slack]) => {
        const shown = Number(document.querySelector('[data-testid=station-count]')?.getAttribute('data-shown'));
        const r = [...document.querySelectorAll('[data-testid=station-row] [data-testid=station-class]')].map((e) => e.getAttribute('data-class') || 'none');
        return Math.abs(shown - want) <= slack && r.length > 0 && r.every((c) => c === cls);
      },
      [cls, want, slack],
      { timeout: 5_000 },
    );
    await page.getByTestId('filter-status-offline').click();
    const offline = await countAttr('data-shown');
    await page.getByTestId('filter-clear').click();
    await waitShown(total);
    return `class ${cls} → ${want} of ${total}; + offline → ${offline}; cleared → ${total}`;
  });

  await step('sort by WQI (best first)', async () => {
    await page.getByTestId('sort-select').selectOption('wqi');
    const vals = await page.locator('[data-testid=station-row] [data-testid=station-wqi]').evaluateAll((els) => els.map((e) => Number.parseFloat(e.textContent)));
    const nums = vals.filter((v) => Number.isFinite(v));
    await page.getByTestId('sort-select').selectOption('name');
    for (let i = 1; i < nums.length; i++) if (nums[i] > nums[i - 1]) throw new Error(`not descending: ${nums.join(', ')}`);
    if (vals.slice(0, nums.length).some((v) => !Number.isFinite(v))) throw new Error('stations without WQI sorted before others');
    return nums.map((v) => v.toFixed(1)).join(' ≥ ');
  });

  await step('offline badge matches the API', async () => {
    const api = await getJson(`${base}/api/stations`);
    if (!api.some((s) => 'online' in s)) return 'hub sends no `online` yet (skipped)';
    // Only the rendered rows can be checked (the list is virtualised).
    const rendered = new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-station-id'))));
    const want = api.filter((s) => s.online === false && rendered.has(s.id)).map((s) => s.id).sort();
    const got = await page.locator('[data-testid=station-row]:has([data-testid=station-offline])').evaluateAll((els) => els.map((e) => e.getAttribute('data-station-id')).sort());
    if (want.join() !== got.join()) throw new Error(`API offline [${want}] vs badges [${got}]`);
    return `${got.length} offline`;
  });

  await step('search filters the list', async () => {
    const total = await countAttr('data-total');
    const first = rows.first();
    const id = await first.getAttribute('data-station-id');
    const name = (await first.locator('.name').textContent())?.trim() ?? '';
    const search = page.getByTestId('station-search');
    await search.fill(id);
    await page.waitForFunction(
      (id) => {
        const r = [...document.querySelectorAll('[data-testid=station-row]')];
        return r.length >= 1 && r.every((e) => e.getAttribute('data-station-id') === id || e.textContent.toLowerCase().includes(id.toLowerCase()));
      },
      id,
      { timeout: 5_000 },
    );
    const byId = await countAttr('data-shown');
    await search.fill('zz-no-such-station-zz');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=station-row]').length === 0, null, { timeout: 5_000 });
    await waitShown(0);
    await page.getByTestId('station-empty').waitFor({ state: 'visible', timeout: 5_000 });
    await search.fill('');
    await waitShown(total);
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `"${id}" → ${byId} of ${total}; nonsense → 0; cleared → ${total} (first row "${name}")`;
  });

  await step('long lists are virtualised: scrolling reaches the last station', async () => {
    const shown = await countAttr('data-shown');
    const rendered = await rows.count();
    if (rendered >= shown) return `all ${shown} row(s) rendered (the list fits the window)`;
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=station-list] li:last-child')?.getAttribute('aria-posinset') === String(n),
      shown,
      { timeout: 5_000 },
    );
    const inDom = await rows.count();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForFunction(() => document.querySelector('[data-testid=station-list] li')?.getAttribute('aria-posinset') === '1', null, { timeout: 5_000 });
    if (inDom > 200) throw new Error(`${inDom} rows in the DOM at the end of a ${shown}-row list`);
    return `${shown} stations, ${rendered} rows in the DOM at the top, ${inDom} at the end`;
  });

  const inView = await step('open station view with a chart', async () => {
    const first = rows.first();
    const id = await first.getAttribute('data-station-id');
    await first.click();
    await page.getByTestId('station-view').waitFor({ state: 'visible', timeout: 10_000 });
    const canvas = page.locator('[data-testid^=chart-] canvas').first();
    await canvas.waitFor({ state: 'visible', timeout: 15_000 });
    const charts = await page.locator('[data-testid^=chart-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    return `${id}: ${charts.join(', ')}`;
  });
  if (inView) {
    await page.waitForTimeout(300);
    await shot('station.png');
    await shot('station-light.png');

    await step('charts show limit bands from the profile', async () => {
      const id = await page.getByTestId('station-view').getAttribute('data-station-id');
      const st = await getJson(`${base}/api/stations/${encodeURIComponent(id)}`);
      if (!st.limits || !Object.keys(st.limits).length) return 'hub sends no `limits` yet (skipped)';
      const charts = await page.locator('[data-testid^=chart-][data-bands]').evaluateAll((els) =>
        els.map((e) => ({ p: e.getAttribute('data-testid').slice(6), bands: Number(e.getAttribute('data-bands')), legend: e.querySelector('[data-testid=chart-limits]')?.getAttribute('data-profile') ?? null })),
      );
      const expected = charts.filter((c) => st.limits[c.p]);
      if (!expected.length) return `no charted parameter has limits (${Object.keys(st.limits).join(', ')})`;
      const bad = expected.filter((c) => c.bands < 1 || c.legend !== (st.profile ?? ''));
      if (bad.length) throw new Error(`no bands/legend on ${bad.map((c) => c.p).join(', ')}`);
      return `${expected.map((c) => `${c.p}:${c.bands}`).join(', ')} (profile ${st.profile})`;
    });

    await step('export CSV matches the readings API', async () => {
      const id = await page.getByTestId('station-view').getAttribute('data-station-id');
      const charted = await page.locator('[data-testid^=chart-][data-points]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').slice(6)));
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId('export-csv').click()]);
      const file = path.join(ARTIFACTS, download.suggestedFilename() || 'export.csv');
      await download.saveAs(file);
      const raw = readFileSync(file, 'utf8');
      const [header, ...data] = parseCsv(raw);
      if (header.join() !== 'station_id,parameter,time_utc,value,unit,qc_flag') throw new Error(`header: ${header.join()}`);
      if (!raw.includes('\r\n')) throw new Error('lines are not CRLF-terminated');
      const byParam = new Map();
      for (const r of data) {
        if (r.length !== 6) throw new Error(`row with ${r.length} fields: ${r.join('|')}`);
        if (r[0] !== id) throw new Error(`row for ${r[0]}, expected ${id}`);
        if (!byParam.has(r[1])) byParam.set(r[1], []);
        byParam.get(r[1]).push(r);
      }
      const missing = charted.filter((p) => !byParam.has(p));
      if (missing.length) throw new Error(`charted but not exported: ${missing.join(', ')}`);
      for (const [p, list] of byParam) {
        const from = list[0][2];
        const to = list[list.length - 1][2];
        const q = new URLSearchParams({ parameter: p, from, to });
        const api = await getJson(`${base}/api/stations/${encodeURIComponent(id)}/readings?${q}`);
        const want = api.points.map((pt) => [id, api.parameter, pt.t, pt.v === null ? '' : String(pt.v), api.unit, String(pt.q)].join('\u0001'));
        const got = list.map((r) => r.join('\u0001'));
        if (want.length !== got.length) throw new Error(`${p}: ${got.length} CSV rows, API has ${want.length} in [${from}, ${to}]`);
        const diff = got.findIndex((g, i) => g !== want[i]);
        if (diff !== -1) throw new Error(`${p} row ${diff}: CSV ${got[diff].split('\u0001').join(',')} ≠ API ${want[diff].split('\u0001').join(',')}`);
      }
      return `${data.length} rows, ${byParam.size} parameter(s): ${[...byParam].map(([p, l]) => `${p}=${l.length}`).join(', ')} → ${path.basename(file)}`;
    });

    await step('print report: window.print() and a print stylesheet', async () => {
      await page.evaluate(() => {
        window.__printed = 0;
        window.print = () => (window.__printed += 1);
      });
      await page.getByTestId('print-report').click();
      const n = await page.evaluate(() => window.__printed);
      if (n !== 1) throw new Error(`window.print called ${n} times`);
      await page.emulateMedia({ media: 'print' });
      const hidden = await page.evaluate(() =>
        ['header', '[data-testid=export-csv]', '[data-testid=back-button]'].map((q) => getComputedStyle(document.querySelector(q)).display),
      );
      await shot('station-print.png');
      await page.emulateMedia({ media: 'screen' });
      if (hidden.some((d) => d !== 'none')) throw new Error(`visible in print: ${hidden.join(', ')}`);
      return 'header and buttons hidden in print media';
    });
    await step('back button returns to the list', async () => {
      await page.getByTestId('back-button').click();
      await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    });
  }

  // Alarm workflow (PROTOCOL §1.4c). scripts/test.sh publishes a critically low oxygen reading
  // before the run and sets E2E_REQUIRE_ALARM; run by hand against a plain demo hub, the
  // acknowledge part only runs when the hub has an open alarm.
  const alarmsShown = await step('alarms view lists alarms like the API', async () => {
    await page.getByTestId('nav-alarms').click();
    const view = page.getByTestId('alarms-view');
    await view.waitFor({ state: 'visible', timeout: 5_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=alarms-view]')?.getAttribute('data-loaded') === 'true', null, { timeout: 10_000 });
    await page.getByTestId('alarms-tab-open').waitFor({ state: 'visible', timeout: 2_000 });
    await page.getByTestId('alarms-tab-acknowledged').waitFor({ state: 'visible', timeout: 2_000 });
    await page.getByTestId('alarms-tab-resolved').waitFor({ state: 'visible', timeout: 2_000 });
    await page.getByTestId('operator-name').waitFor({ state: 'visible', timeout: 2_000 });
    await shot('alarms-light.png');
    const api = await getJson(`${base}/api/alerts?state=open`);
    if (!Array.isArray(api)) throw new Error('GET /api/alerts?state=open did not return an array');
    const states = await page.locator('[data-testid=alarm-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    if (states.some((st) => st !== 'open')) throw new Error(`open tab shows states ${[...new Set(states)].join(', ')}`);
    return `${states.length} open alarm(s) shown, ${api.length} in the API`;
  });

  // Rule, basis, confidence and assignment of the `e2e-river` alarm (DO 2.0 mg/L, published by
  // scripts/test.sh before the run; rule `legacy.purehealth_v6.dissolved_oxygen`).
  const riverRow = page.locator('[data-testid=alarm-row][data-state=open]:has([data-testid=alarm-station][href="#/station/e2e-river"])');
  let riverAlarm = null;
  if (alarmsShown) {
    const api = (await getJson(`${base}/api/alerts?state=open`)).filter((a) => a.station_id === 'e2e-river' && a.parameter === 'dissolved_oxygen');
    riverAlarm = api[0] ?? null;
    if (!riverAlarm && !REQUIRE_ALARM) {
      console.log('SKIP alarm rule/confidence and assign steps (no open e2e-river alarm; scripts/test.sh publishes one)');
    }
  }
  if (alarmsShown && (riverAlarm || REQUIRE_ALARM)) {
    await step('alarm row shows rule, basis and confidence (e2e-river)', async () => {
      if (!riverAlarm) throw new Error('E2E_REQUIRE_ALARM is set but GET /api/alerts?state=open has no e2e-river dissolved_oxygen alarm');
      const id = String(riverAlarm.id);
      const row = page.locator(`[data-testid=alarm-row][data-alarm-id="${id}"]`);
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      const st = await getJson(`${base}/api/stations/e2e-river`);
      const rule = row.getByTestId('alarm-rule');
      const ruleId = await rule.getAttribute('data-rule');
      const ruleText = ((await rule.textContent()) ?? '').trim();
      if (ruleId !== riverAlarm.rule) throw new Error(`data-rule "${ruleId}", API rule "${riverAlarm.rule}"`);
      const wantRule =
        riverAlarm.rule === 'legacy.purehealth_v6.dissolved_oxygen' ? 'Pure Health original thresholds: Dissolved oxygen' : null;
      if (wantRule ? ruleText !== wantRule : !ruleText.includes('Dissolved oxygen')) {
        throw new Error(`rule text "${ruleText}", expected ${wantRule ? `"${wantRule}"` : 'one naming Dissolved oxygen'} for ${riverAlarm.rule}`);
      }
      const conf = row.getByTestId('alarm-confidence');
      const confKind = await conf.getAttribute('data-confidence');
      const confText = ((await conf.textContent()) ?? '').trim();
      const wantConf = st.latest?.dissolved_oxygen?.q === 3 ? ['qc_suspect', 'QC suspect'] : ['provisional', 'provisional data'];
      if (confKind !== wantConf[0] || confText !== wantConf[1]) {
        throw new Error(`confidence ${confKind} "${confText}", expected ${wantConf[0]} "${wantConf[1]}" (latest QC flag ${st.latest?.dissolved_oxygen?.q})`);
      }
      const lim = st.limits?.dissolved_oxygen;
      const basis = ((await row.getByTestId('alarm-basis').textContent({ timeout: 2_000 }).catch(() => '')) ?? '').trim();
      if (st.profile === riverAlarm.profile && lim?.warn_low === 4 && lim?.crit_low === 2 && !basis.includes('warning below 4 mg/L, critical below 2 mg/L')) {
        throw new Error(`basis "${basis}" lacks the profile's limits (warning below 4 mg/L, critical below 2 mg/L)`);
      }
      const escalated = (await row.getByTestId('alarm-escalated').count()) > 0;
      if (escalated !== Boolean(riverAlarm.escalated_at)) throw new Error(`Escalated badge ${escalated}, API escalated_at ${riverAlarm.escalated_at}`);
      const assignee = await row.getByTestId('alarm-assignee').getAttribute('data-assignee');
      if (assignee !== (riverAlarm.assignee ?? '')) throw new Error(`alarm-assignee "${assignee}", API assignee ${riverAlarm.assignee}`);
      return `#${id} ${riverAlarm.severity}: "${ruleText}" · ${confText} · "${basis}"`;
    });

    await step('assign the e2e-river alarm to "e2e-team" (keyboard; POST /api/alerts/{id}/assign)', async () => {
      if (!riverAlarm) throw new Error('no open e2e-river alarm');
      const id = String(riverAlarm.id);
      const row = page.locator(`[data-testid=alarm-row][data-alarm-id="${id}"]`);
      await page.getByTestId('operator-name').fill('e2e');
      await row.getByTestId('alarm-assign').focus();
      await page.keyboard.press('Enter');
      const input = row.getByTestId('alarm-assignee-input');
      await input.waitFor({ state: 'visible', timeout: 2_000 });
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'alarm-assignee-input', null, { timeout: 2_000 });
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type('e2e-team');
      if (!(await row.getByTestId('alarm-assign-confirm').isVisible())) throw new Error('alarm-assign-confirm not shown');
      await page.keyboard.press('Enter'); // submits the form
      const outcome = await (
        await page.waitForFunction(
          (aid) => {
            const r = document.querySelector(`[data-testid=alarm-row][data-alarm-id="${aid}"]`);
            if (!r) return 'row gone';
            const err = r.querySelector('[data-testid=alarm-error]');
            if (err) return `error: ${err.textContent.trim()}`;
            return r.querySelector('[data-testid=alarm-assignee]')?.getAttribute('data-assignee') === 'e2e-team' ? 'ok' : null;
          },
          id,
          { timeout: 10_000 },
        )
      ).jsonValue();
      if (outcome !== 'ok') {
        // Close the prompt so the acknowledge step below still finds the row's buttons.
        await row.getByTestId('alarm-cancel').click({ timeout: 2_000 }).catch(() => {});
        throw new Error(`alarm ${id}: ${outcome} — POST /api/alerts/${id}/assign must return the alarm JSON (is the endpoint missing on this hub?)`);
      }
      const open = await getJson(`${base}/api/alerts?state=open`);
      const fromApi = open.find((a) => String(a.id) === id);
      if (!fromApi) throw new Error(`alarm ${id} missing from GET /api/alerts?state=open after assigning`);
      if (fromApi.assignee !== 'e2e-team') throw new Error(`GET /api/alerts?state=open: alarm ${id} has assignee ${JSON.stringify(fromApi.assignee)}, expected "e2e-team"`);
      // Still shown after a refetch.
      await page.getByTestId('alarms-refresh').click();
      await page.waitForFunction(
        (aid) => document.querySelector(`[data-testid=alarm-row][data-alarm-id="${aid}"] [data-testid=alarm-assignee]`)?.getAttribute('data-assignee') === 'e2e-team',
        id,
        { timeout: 5_000 },
      );
      const text = ((await row.getByTestId('alarm-assignee').textContent()) ?? '').trim();
      if (text !== 'Assigned to e2e-team') throw new Error(`alarm-assignee reads "${text}"`);
      await shot('alarms-assigned-light.png');
      return `alarm ${id} assigned to e2e-team (UI and API agree)`;
    });
  }

  if (alarmsShown) {
    const openRows = page.locator('[data-testid=alarm-row][data-state=open]');
    if ((await openRows.count()) === 0) {
      if (process.env.E2E_REQUIRE_ALARM) {
        await step('acknowledge an alarm', async () => {
          throw new Error('E2E_REQUIRE_ALARM is set but the hub has no open alarm');
        });
      }
      console.log('SKIP acknowledge an alarm as "e2e" (no open alarm on the hub; the demo data crossed no limit)');
    } else {
      await step('acknowledge an alarm as "e2e" moves it to the acknowledged tab', async () => {
        // The e2e-river alarm when there is one: its station sends nothing more, so it stays
        // acknowledged. A demo station's alarm may resolve by itself right after the click.
        const river = riverAlarm ? page.locator(`[data-testid=alarm-row][data-state=open][data-alarm-id="${riverAlarm.id}"]`) : null;
        const row = river && (await river.count()) > 0 ? river : openRows.first();
        const id = await row.getAttribute('data-alarm-id');
        await page.getByTestId('operator-name').fill('e2e');
        await row.getByTestId('alarm-ack').click();
        await row.getByTestId('alarm-note-input').fill('acknowledged by the browser e2e test');
        await row.getByTestId('alarm-confirm').click();
        const outcome = await (
          await page.waitForFunction(
            (aid) => {
              const r = document.querySelector(`[data-testid=alarm-row][data-alarm-id="${aid}"]`);
              if (!r) return 'gone';
              const err = r.querySelector('[data-testid=alarm-error]');
              return err ? `error: ${err.textContent.trim()}` : null;
            },
            id,
            { timeout: 10_000 },
          )
        ).jsonValue();
        if (outcome !== 'gone') {
          // The hub may have resolved it by itself (reading back within limits) in the meantime.
          const open = await getJson(`${base}/api/alerts?state=open`);
          if (!open.some((a) => String(a.id) === id)) return `SKIP alarm ${id} was resolved by the hub before the click (${outcome})`;
          throw new Error(`alarm ${id}: ${outcome}`);
        }
        if ((await page.evaluate(() => localStorage.getItem('purehealth.operator'))) !== 'e2e') throw new Error('operator name not remembered');
        await page.getByTestId('alarms-tab-acknowledged').click();
        const moved = page.locator(`[data-testid=alarm-row][data-alarm-id="${id}"]`);
        try {
          await moved.waitFor({ state: 'visible', timeout: 10_000 });
        } catch (e) {
          // Acknowledged, then resolved by the hub (a reading back within limits) meanwhile.
          const resolved = await getJson(`${base}/api/alerts?state=resolved`);
          const r = resolved.find((a) => String(a.id) === id);
          if (r && r.acknowledged_by === 'e2e') return `alarm ${id} acknowledged by e2e, then resolved by the hub before the tab opened`;
          throw e;
        }
        const st = await moved.getAttribute('data-state');
        const by = await moved.getByTestId('alarm-acked-by').getAttribute('data-by');
        const acked = await getJson(`${base}/api/alerts?state=acknowledged`);
        const fromApi = acked.find((a) => String(a.id) === id);
        await shot('alarms-acknowledged-light.png');
        await page.getByTestId('alarms-tab-open').click();
        if (st !== 'acknowledged' || by !== 'e2e') throw new Error(`row ${id}: state=${st} acknowledged_by=${by}`);
        if (!fromApi) throw new Error(`alarm ${id} missing from GET /api/alerts?state=acknowledged`);
        if (fromApi.acknowledged_by !== 'e2e') throw new Error(`API acknowledged_by=${fromApi.acknowledged_by}`);
        return `alarm ${id} acknowledged by e2e (UI and API agree)`;
      });
    }
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
  }

  await step('notification settings persist (sound toggle, minimum severity, quiet hours)', async () => {
    const toggle = page.getByTestId('settings-notifications-toggle');
    const sound = page.getByTestId('setting-alarm-sound');
    const min = page.getByTestId('setting-notify-min');
    const from = page.getByTestId('setting-quiet-from');
    const to = page.getByTestId('setting-quiet-to');
    await toggle.click();
    await sound.waitFor({ state: 'visible', timeout: 2_000 });
    if (!(await sound.isChecked())) throw new Error('"Sound for critical alarms" is off by default');
    if ((await min.inputValue()) !== 'critical') throw new Error(`minimum severity defaults to ${await min.inputValue()}`);
    await sound.uncheck();
    await min.selectOption('warning');
    await from.fill('22:00');
    await to.fill('06:00');
    const stored = () =>
      page.evaluate(() => ['alarmSound', 'notifyMin', 'quietFrom', 'quietTo'].map((k) => localStorage.getItem(`purehealth.${k}`)).join(' '));
    const saved = await stored();
    if (saved !== 'off warning 22:00 06:00') throw new Error(`localStorage: ${saved}`);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    await toggle.click();
    await sound.waitFor({ state: 'visible', timeout: 2_000 });
    const after = [await sound.isChecked(), await min.inputValue(), await from.inputValue(), await to.inputValue()].join(' ');
    // Back to the defaults for the rest of the run.
    await sound.check();
    await min.selectOption('critical');
    await from.fill('');
    await to.fill('');
    await page.keyboard.press('Escape');
    if (after !== 'false warning 22:00 06:00') throw new Error(`after reload: ${after}`);
    const restored = await stored();
    if (restored !== 'on critical  ') throw new Error(`restoring defaults: localStorage ${restored}`);
    return `stored "${saved}", after reload "${after}", restored`;
  });

  // Device pairing. The e2e browser runs on the hub's machine (loopback), so the hub trusts it: it makes
  // a code in Settings → Devices, a second browser context (also loopback, but it pairs anyway) uses the
  // code as "e2e tablet", and the first one revokes it again.
  await step('pairing: code in Settings → Devices, a second browser pairs as "e2e tablet", revoke', async () => {
    const status = await getApi('/api/pair/status', 'this hub has no device pairing');
    if (!status.trusted) throw new Error(`GET /api/pair/status: ${JSON.stringify(status)}; the e2e browser must run on the hub's machine (loopback is trusted)`);
    await page.getByTestId('settings-pairing-toggle').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=pairing-panel]')?.getAttribute('data-state') === 'trusted', null, { timeout: 5_000 });
    await page.getByTestId('pair-start').click();
    const codeEl = page.getByTestId('pair-code');
    await codeEl.waitFor({ state: 'visible', timeout: 5_000 });
    const code = await codeEl.getAttribute('data-code');
    if (!/^\d{6}$/.test(code ?? '') || (await codeEl.textContent())?.trim() !== code) throw new Error(`pair-code shows "${await codeEl.textContent()}" (data-code ${code})`);
    const left = Number(await page.getByTestId('pair-countdown').getAttribute('data-seconds'));
    if (!(left > 240 && left <= 300)) throw new Error(`countdown starts at ${left} s, expected about 300`);
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=pair-countdown]')?.getAttribute('data-seconds')) < s, left, { timeout: 3_000 });
    const links = (await page.getByTestId('pair-link').allTextContents()).map((l) => l.trim());
    if (!links.length || !links.every((l) => l.endsWith(`/#/pair/${code}`))) throw new Error(`links ${JSON.stringify(links)} do not end in #/pair/${code}`);
    // The QR code is the hub's SVG as an <img> data URL, never inline markup.
    const qr = await page.locator('[data-testid=pair-qr]').evaluateAll((els) => els.map((img) => ({ src: img.getAttribute('src')?.slice(0, 26), w: img.naturalWidth })));
    if (qr.length && (qr[0].src !== 'data:image/svg+xml;base64,' || !(qr[0].w > 0))) throw new Error(`pair-qr ${JSON.stringify(qr[0])}`);
    if ((await page.locator('[data-testid=pair-code-card] svg').count()) > 0) throw new Error('inline <svg> in the code card');
    const hint = (await page.getByTestId('pair-hint').count()) ? ((await page.getByTestId('pair-hint').textContent()) ?? '').trim() : '';
    await shot('pairing-settings-light.png', false);
    await withTheme('dark', () => shot('pairing-settings-dark.png', false));
    if ((await page.getByTestId('settings-pairing').getAttribute('open')) === null) throw new Error('the theme switch closed the Devices panel');

    const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const p2 = await ctx2.newPage();
    let token;
    try {
      // A wrong code: the hub's message verbatim, kind forbidden.
      const wrong = code === '000000' ? '000001' : '000000';
      await p2.goto(`${base}/#/pair/${wrong}`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      await p2.getByTestId('pair-form').waitFor({ state: 'visible', timeout: 10_000 });
      if ((await p2.getByTestId('pair-code-input').inputValue()) !== wrong) throw new Error('#/pair/<code> did not prefill the code');
      await p2.getByTestId('pair-name-input').fill('e2e tablet');
      await p2.getByTestId('pair-submit').click();
      const err = p2.getByTestId('pair-error');
      await err.waitFor({ state: 'visible', timeout: 10_000 });
      const errText = ((await err.textContent()) ?? '').replace(/\s+/g, ' ').trim();
      if ((await err.getAttribute('data-kind')) !== 'forbidden' || !/wrong or expired/i.test(errText)) throw new Error(`wrong code: ${await err.getAttribute('data-kind')} "${errText}"`);
      await p2.screenshot({ path: path.join(ARTIFACTS, 'pair-error-light.png'), fullPage: false });

      // The right code (as the QR code's link would open it).
      await p2.evaluate((c) => (window.location.hash = `#/pair/${c}`), code);
      await p2.waitForFunction((c) => document.querySelector('[data-testid=pair-code-input]')?.value === c, code, { timeout: 5_000 });
      await p2.getByTestId('pair-name-input').fill('e2e tablet');
      await p2.screenshot({ path: path.join(ARTIFACTS, 'pair-light.png'), fullPage: false });
      await p2.emulateMedia({ colorScheme: 'dark' });
      await p2.screenshot({ path: path.join(ARTIFACTS, 'pair-dark.png'), fullPage: false });
      await p2.emulateMedia({ colorScheme: 'light' });
      await p2.getByTestId('pair-submit').click();
      const ok = p2.getByTestId('pair-success');
      await ok.waitFor({ state: 'visible', timeout: 10_000 });
      const okText = ((await ok.textContent()) ?? '').replace(/\s+/g, ' ').trim();
      if (!okText.includes('This device can now acknowledge alarms as e2e tablet')) throw new Error(`success reads "${okText}"`);
      // Tokens are kept per hub origin (a token for this hub is never sent to another one).
      token = await p2.evaluate(() => JSON.parse(localStorage.getItem('purehealth.deviceTokens') ?? '{}')[window.location.origin] ?? null);
      if (!/^[0-9a-f]{64}$/.test(token ?? '')) throw new Error(`localStorage purehealth.deviceTokens[origin] = ${JSON.stringify(token)}`);
      await p2.waitForFunction(() => document.querySelector('[data-testid=pair-indicator]')?.getAttribute('data-state') === 'paired', null, { timeout: 10_000 });
      const indicator = ((await p2.getByTestId('pair-indicator').textContent()) ?? '').trim();
      if (indicator !== 'Paired as e2e tablet') throw new Error(`header indicator "${indicator}"`);
      await p2.screenshot({ path: path.join(ARTIFACTS, 'pair-success-light.png'), fullPage: false });
      const asDevice = await (await p2.request.get(`${base}/api/pair/status`, { headers: { authorization: `Bearer ${token}` } })).json();
      if (asDevice.device !== 'e2e tablet') throw new Error(`GET /api/pair/status with the token: ${JSON.stringify(asDevice)}`);

      // The trusted page lists it (the panel re-reads the list every 3 s while the code is up), like the API.
      const mine = (await getApi('/api/devices', 'this hub cannot list paired devices'))
        .filter((d) => d.name === 'e2e tablet' && !d.revoked_at)
        .sort((a, b) => b.id - a.id)[0];
      if (!mine) throw new Error('GET /api/devices lists no active "e2e tablet"');
      const row = page.locator(`[data-testid=device-row][data-device-id="${mine.id}"]`);
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      if ((await row.getAttribute('data-name')) !== 'e2e tablet' || (await row.getAttribute('data-revoked')) !== 'false') throw new Error('device row is not an active "e2e tablet"');
      await page.getByTestId('pair-done').waitFor({ state: 'visible', timeout: 5_000 });

      // Revoke (confirmed first).
      await row.getByTestId('device-revoke').click();
      await row.getByTestId('device-revoke-confirm').click();
      await page.waitForFunction((id) => document.querySelector(`[data-testid=device-row][data-device-id="${id}"]`)?.getAttribute('data-revoked') === 'true', mine.id, { timeout: 10_000 });
      await row.getByTestId('device-revoked').waitFor({ state: 'visible', timeout: 2_000 });
      await shot('pairing-devices-light.png', false);
      const after = (await getApi('/api/devices', 'this hub cannot list paired devices')).find((d) => d.id === mine.id);
      if (!after?.revoked_at) throw new Error(`GET /api/devices: device ${mine.id} not revoked (${JSON.stringify(after)})`);
      const revoked = await (await p2.request.get(`${base}/api/pair/status`, { headers: { authorization: `Bearer ${token}` } })).json();
      if (revoked.device !== null) throw new Error(`the revoked token still names a device: ${JSON.stringify(revoked)}`);
      return `code ${code} (${links[0]}${hint ? `; hint: ${hint.slice(0, 60)}…` : ''}); wrong code → "${errText.slice(errText.indexOf('Hub:'))}"; device ${mine.id} paired, listed, revoked`;
    } finally {
      await ctx2.close().catch(() => {});
      if ((await page.getByTestId('settings-pairing').getAttribute('open')) !== null) await page.getByTestId('settings-pairing-toggle').click();
    }
  });

  // A new critical alarm: banner (role=alert) with station, parameter, value and a link to the alarm.
  // Needs the broker port to publish a reading (scripts/test.sh knows it as $broker_port).
  const havePub = BROKER_PORT && spawnSync('mosquitto_pub', ['--help']).error === undefined;
  if (havePub) {
    await step('new critical alarm shows a banner with a link to the alarm', async () => {
      const sid = `e2e-crit-${Date.now()}`;
      const pub = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', BROKER_PORT, '-q', '1', '-i', `purehealth-e2e-${process.pid}`, '-t', `purehealth/${sid}/do`, '-m', '{"value": 1.0, "unit": "mg/L"}'], { encoding: 'utf8' });
      if (pub.status !== 0) throw new Error(`mosquitto_pub exited with ${pub.status}: ${pub.stderr}`);
      const banner = page.locator(`[data-testid=critical-banner][data-station-id="${sid}"]`);
      await banner.waitFor({ state: 'visible', timeout: 15_000 });
      const info = await banner.evaluate((e) => ({ role: e.getAttribute('role'), ...e.dataset, text: e.textContent.replace(/\s+/g, ' ').trim(), href: e.querySelector('[data-testid=critical-link]')?.getAttribute('href') }));
      if (info.role !== 'alert' || info.severity !== 'critical' || info.kind !== 'raised') throw new Error(`banner ${JSON.stringify(info)}`);
      for (const want of ['New critical alarm', 'Dissolved oxygen', '1 mg/L', sid]) if (!info.text.includes(want)) throw new Error(`banner text "${info.text}" lacks "${want}"`);
      if (info.href !== `#/alarms?alarm=${info.alarmId}`) throw new Error(`link ${info.href} for alarm ${info.alarmId}`);
      const open = await getJson(`${base}/api/alerts?state=open`);
      if (!open.some((a) => String(a.id) === info.alarmId && a.station_id === sid && a.severity === 'critical')) throw new Error(`alarm ${info.alarmId} for ${sid} not open and critical in the API`);
      await shot('critical-banner-light.png', false);
      await banner.getByTestId('critical-dismiss').click();
      await banner.waitFor({ state: 'detached', timeout: 2_000 });
      return `alarm ${info.alarmId}: "${info.text}" (sound: ${info.sound})`;
    });
  } else {
    console.log('SKIP new critical alarm banner (set E2E_BROKER_PORT and install mosquitto_pub to publish a reading)');
  }

  // Hub address (Settings → Hub & devices): a page from this hub connects to "another" hub. The same
  // hub under another name (localhost vs 127.0.0.1) is another origin, so this runs cross-origin (CORS)
  // and the hub must not trust the page as this machine even though it is loopback: read-only until
  // the page pairs with a code; then it acts with its own token for that hub only; then back.
  await step('hub address: another origin of this hub (CORS), live data, read-only until paired, pair, act, back', async () => {
    const own = new URL(base);
    const other = `http://${own.hostname === 'localhost' ? '127.0.0.1' : 'localhost'}:${own.port}`;
    const ctx3 = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const p3 = await ctx3.newPage();
    const sockets = [];
    const apiHosts = new Set();
    p3.on('websocket', (w) => sockets.push(w.url()));
    p3.on('request', (r) => {
      if (r.url().includes('/api/')) apiHosts.add(new URL(r.url()).origin);
    });
    const errors = [];
    p3.on('pageerror', (e) => errors.push(String(e)));
    let deviceId = null;
    try {
      await p3.goto(`${base}/#/`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      await p3.locator('[data-testid=station-row]').first().waitFor({ state: 'visible', timeout: 15_000 });
      const panelOpen = async () => {
        if ((await p3.getByTestId('settings-pairing').getAttribute('open')) === null) await p3.getByTestId('settings-pairing-toggle').click();
        await p3.getByTestId('hub-settings').waitFor({ state: 'visible', timeout: 5_000 });
      };
      await panelOpen();
      // Garbage is refused with what is wrong, and nothing changes.
      await p3.getByTestId('hub-address-input').fill(`${own.hostname}:99999`);
      await p3.getByTestId('hub-connect').click();
      const invalid = p3.getByTestId('hub-invalid');
      await invalid.waitFor({ state: 'visible', timeout: 2_000 });
      if ((await invalid.getAttribute('data-problem')) !== 'port') throw new Error(`hub-invalid data-problem=${await invalid.getAttribute('data-problem')}`);
      // Typed without a scheme: normalised to http://…, tested (GET /health), then switched to.
      await p3.getByTestId('hub-address-input').fill(`${new URL(other).host}/#/ignored`);
      await p3.getByTestId('hub-connect').click();
      const test = p3.locator('[data-testid=hub-test][data-state=ok]');
      await test.waitFor({ state: 'visible', timeout: 10_000 });
      const testText = ((await test.textContent()) ?? '').replace(/\s+/g, ' ').trim();
      if ((await test.getAttribute('data-origin')) !== other) throw new Error(`tested ${await test.getAttribute('data-origin')}, expected ${other}`);
      await p3.waitForFunction((o) => document.querySelector('[data-testid=hub-current]')?.getAttribute('data-hub') === o, other, { timeout: 5_000 });
      const chip = ((await p3.getByTestId('hub-indicator').textContent()) ?? '').trim();
      if (chip !== `Hub: ${new URL(other).host}`) throw new Error(`hub-indicator reads "${chip}"`);
      if ((await p3.evaluate(() => localStorage.getItem('purehealth.hubAddress'))) !== other) throw new Error('hub address not persisted');
      // Live data from the other origin: the WebSocket goes there, rows fill and a live update arrives.
      await p3.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, { timeout: 15_000 });
      await p3.waitForFunction(() => [...document.querySelectorAll('[data-testid=station-row]')].some((r) => Number(r.getAttribute('data-seq')) > 0), null, {
        timeout: LIVE_TIMEOUT,
        polling: 250,
      });
      if (!sockets.some((u) => u.startsWith(other.replace('http:', 'ws:')))) throw new Error(`no WebSocket to ${other}: ${JSON.stringify(sockets)}`);
      if (!apiHosts.has(other)) throw new Error(`no API request went to ${other}: ${JSON.stringify([...apiHosts])}`);
      // A page from another origin is never "this machine": read-only, although it runs on loopback.
      await p3.waitForFunction(() => document.querySelector('[data-testid=pair-indicator]')?.getAttribute('data-state') === 'readonly', null, { timeout: 10_000 });
      await p3.getByTestId('settings-pairing-toggle').click(); // closes it
      // The choice survives a reload.
      await p3.reload({ waitUntil: 'domcontentloaded' });
      await p3.getByTestId('hub-indicator').waitFor({ state: 'visible', timeout: 10_000 });
      await p3.evaluate(() => (window.location.hash = '#/alarms'));
      await p3.getByTestId('alarms-view').waitFor({ state: 'visible', timeout: 10_000 });
      await p3.getByTestId('alarms-readonly').waitFor({ state: 'visible', timeout: 10_000 });
      await p3.screenshot({ path: path.join(ARTIFACTS, 'hub-remote-readonly-light.png'), fullPage: false });

      // Pair with a code made on the hub's own screen (loopback, same origin: trusted).
      const start = await page.request.post(`${base}/api/pair/start`, { data: {} });
      if (!start.ok()) throw new Error(`POST /api/pair/start: HTTP ${start.status()}`);
      const code = (await start.json()).code;
      await panelOpen();
      await p3.getByTestId('hub-pair-form').waitFor({ state: 'visible', timeout: 5_000 });
      await p3.getByTestId('hub-pair-code').fill(code);
      await p3.getByTestId('hub-pair-name').fill('e2e remote');
      await p3.getByTestId('hub-pair-submit').click();
      await p3.getByTestId('hub-pair-done').waitFor({ state: 'visible', timeout: 10_000 });
      const devices = await getApi('/api/devices', 'this hub cannot list paired devices');
      deviceId = devices.filter((d) => d.name === 'e2e remote' && !d.revoked_at).sort((a, b) => b.id - a.id)[0]?.id ?? null;
      await p3.waitForFunction(() => document.querySelector('[data-testid=pair-indicator]')?.getAttribute('data-state') === 'paired', null, { timeout: 10_000 });
      const current = ((await p3.getByTestId('hub-current').textContent()) ?? '').replace(/\s+/g, ' ').trim();
      if (current !== `Connected to ${new URL(other).host} · paired as e2e remote`) throw new Error(`hub-current reads "${current}"`);
      await p3.screenshot({ path: path.join(ARTIFACTS, 'hub-remote-paired-light.png'), fullPage: false });
      const tokens = await p3.evaluate(() => JSON.parse(localStorage.getItem('purehealth.deviceTokens') ?? '{}'));
      if (!/^[0-9a-f]{64}$/.test(tokens[other] ?? '')) throw new Error(`no token for ${other}: ${JSON.stringify(Object.keys(tokens))}`);
      if (tokens[base]) throw new Error('the token was also stored for the page’s own hub');
      await p3.getByTestId('settings-pairing-toggle').click(); // closes it

      // Act with that token: acknowledge an open alarm, else assign an acknowledged one.
      await p3.getByTestId('alarms-readonly').waitFor({ state: 'detached', timeout: 10_000 });
      await p3.getByTestId('alarms-view').waitFor({ state: 'visible', timeout: 5_000 });
      await p3.waitForFunction(() => document.querySelector('[data-testid=alarms-view]')?.getAttribute('data-loaded') === 'true', null, { timeout: 10_000 });
      let acted;
      const openRow = p3.locator('[data-testid=alarm-row][data-state=open]').first();
      if ((await openRow.count()) > 0) {
        const id = await openRow.getAttribute('data-alarm-id');
        await openRow.getByTestId('alarm-ack').click();
        await openRow.getByTestId('alarm-confirm').click();
        await p3.locator(`[data-testid=alarm-row][data-state=open][data-alarm-id="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
        const all = [...(await getJson(`${base}/api/alerts?state=acknowledged`)), ...(await getJson(`${base}/api/alerts?state=resolved`))];
        const a = all.find((x) => String(x.id) === id);
        if (a?.acknowledged_by !== 'e2e remote') throw new Error(`alarm ${id}: acknowledged_by ${JSON.stringify(a?.acknowledged_by)}, expected the paired name`);
        acted = `acknowledged alarm ${id} as "e2e remote"`;
      } else {
        await p3.getByTestId('alarms-tab-acknowledged').click();
        const row = p3.locator('[data-testid=alarm-row]').first();
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        const id = await row.getAttribute('data-alarm-id');
        await row.getByTestId('alarm-assign').click();
        await row.getByTestId('alarm-assignee-input').fill('e2e-remote-team');
        await row.getByTestId('alarm-assign-confirm').click();
        await p3.waitForFunction(
          (aid) => document.querySelector(`[data-testid=alarm-row][data-alarm-id="${aid}"] [data-testid=alarm-assignee]`)?.getAttribute('data-assignee') === 'e2e-remote-team',
          id,
          { timeout: 10_000 },
        );
        const a = (await getJson(`${base}/api/alerts?state=acknowledged`)).find((x) => String(x.id) === id);
        if (a?.assignee !== 'e2e-remote-team') throw new Error(`alarm ${id}: assignee ${JSON.stringify(a?.assignee)}`);
        acted = `assigned alarm ${id} to e2e-remote-team`;
      }

      // Back to this device: the page's own hub, same origin, trusted as this machine again.
      await panelOpen();
      await p3.getByTestId('hub-reset').click();
      await p3.waitForFunction(() => document.querySelector('[data-testid=hub-current]')?.getAttribute('data-hub') === '', null, { timeout: 5_000 });
      if ((await p3.getByTestId('hub-indicator').count()) > 0) throw new Error('hub-indicator still shown');
      if ((await p3.evaluate(() => localStorage.getItem('purehealth.hubAddress'))) !== null) throw new Error('hub address not cleared');
      await p3.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, { timeout: 15_000 });
      await p3.waitForFunction(() => document.querySelector('[data-testid=hub-current]')?.getAttribute('data-trust') === 'local', null, { timeout: 10_000 });
      if ((await p3.getByTestId('pair-indicator').count()) > 0) throw new Error('pair-indicator shown on the hub’s own machine');
      if (!sockets.at(-1)?.startsWith(base.replace('http:', 'ws:'))) throw new Error(`last WebSocket ${sockets.at(-1)}, expected ${base}`);
      if (errors.length) throw new Error(errors.slice(0, 2).join(' | '));
      return `${other}: "${testText.slice(0, 70)}…"; read-only, paired, ${acted}; back to ${own.host}`;
    } finally {
      await ctx3.close().catch(() => {});
      if (deviceId !== null) await page.request.delete(`${base}/api/devices/${deviceId}`).catch(() => {});
    }
  });

  // Forecast, trend and anomalies of the demo station (PROTOCOL §1.4a/b and the forecast endpoint).
  // The demo hub seeds a year of history, so a forecast exists about 30 s after it started; until
  // then the panel shows "no forecast yet", asks again every 30 s and takes `prediction_update` pushes.
  let forecastParam = null;
  await step(`forecast panel for ${FORECAST_STATION} (P10/P50/P90 at 7/30/90 days, horizon selector)`, async () => {
    await openStation(FORECAST_STATION);
    const panel = page.locator('[data-testid=forecast-panel]').first();
    await panel.waitFor({ state: 'visible', timeout: FORECAST_TIMEOUT });
    await panel.locator('[data-testid=forecast-chart] canvas').waitFor({ state: 'visible', timeout: 5_000 });
    const param = await panel.getAttribute('data-parameter');
    forecastParam = param;
    const chart = panel.getByTestId('forecast-chart');
    const observed = Number(await chart.getAttribute('data-observed'));
    const horizons = Number(await chart.getAttribute('data-forecast'));
    if (horizons < 90) throw new Error(`${param}: ${horizons} forecast days, expected 90`);
    const vals = {};
    for (const h of [7, 30, 90]) {
      const row = panel.getByTestId(`forecast-h${h}`);
      const raw = await row.evaluate((e) => ['p10', 'p50', 'p90'].map((k) => e.getAttribute(`data-${k}`)));
      const [p10, p50, p90] = raw.map((v) => (v === null || v === '' ? NaN : Number(v)));
      if (![p10, p50, p90].every(Number.isFinite)) throw new Error(`${param} h${h}: P10/P50/P90 = ${raw.join(' / ')}`);
      if (!(p10 <= p50 && p50 <= p90)) throw new Error(`${param} h${h}: quantiles out of order ${p10} / ${p50} / ${p90}`);
      if (!/\d/.test((await row.textContent()) ?? '')) throw new Error(`${param} h${h}: no values shown`);
      vals[h] = { p10, p50, p90 };
    }
    const note = (await panel.getByTestId('forecast-disclaimer').textContent())?.trim();
    if (!/not a measurement/i.test(note ?? '')) throw new Error(`disclaimer reads "${note}"`);
    // Same numbers as the API, unless the hub issued a newer forecast in between.
    const api = await getJson(`${base}/api/stations/${encodeURIComponent(FORECAST_STATION)}/forecast?parameter=${encodeURIComponent(param)}`);
    const issued = await panel.getAttribute('data-issued-at');
    let compared = `hub re-issued (${issued} → ${api.issued_at}), values not compared`;
    if (api.issued_at === issued) {
      for (const h of [7, 30, 90]) {
        const pt = api.points.find((p) => p.h === h);
        const ui = vals[h];
        if (!pt || pt.p10 !== ui.p10 || pt.p50 !== ui.p50 || pt.p90 !== ui.p90) {
          throw new Error(`${param} h${h}: UI ${ui.p10}/${ui.p50}/${ui.p90} ≠ API ${pt?.p10}/${pt?.p50}/${pt?.p90}`);
        }
      }
      const meta = { version: await panel.getAttribute('data-model-version'), backend: await panel.getAttribute('data-backend') };
      if (meta.version !== api.model_version || meta.backend !== api.backend) throw new Error(`model ${meta.version}/${meta.backend} ≠ API ${api.model_version}/${api.backend}`);
      const modelText = (await panel.getByTestId('forecast-model').textContent()) ?? '';
      if (!modelText.includes(api.model_version) || !modelText.includes(api.backend)) throw new Error(`model line "${modelText.trim()}"`);
      compared = 'values, model version and backend match the API';
    }
    // "How past forecasts did": n per horizon like GET …/forecast/verification (loaded apart from the chart).
    const verifyPath = `${base}/api/stations/${encodeURIComponent(FORECAST_STATION)}/forecast/verification?parameter=${encodeURIComponent(param)}`;
    const verify = panel.getByTestId('forecast-verification');
    await verify.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForFunction(
      (p) => document.querySelector(`[data-testid=forecast-panel][data-parameter="${p}"] [data-testid=forecast-verification]`)?.getAttribute('data-state') === 'ok',
      param,
      { timeout: 10_000 },
    );
    const uiN = {};
    for (const h of [7, 30, 90]) uiN[h] = Number(await verify.getByTestId(`verification-h${h}`).getAttribute('data-n'));
    const uiTotal = Number(await verify.getAttribute('data-verified'));
    const apiN = (v) => Object.fromEntries([7, 30, 90].map((h) => [h, (v.horizons ?? []).find((x) => x.horizon === h)?.n ?? 0]));
    const same = (a) => [7, 30, 90].every((h) => a[h] === uiN[h]);
    let vApi = apiN(await getJson(verifyPath));
    // A forecast may reach its target day between the panel's request and ours: one more read.
    if (!same(vApi)) vApi = apiN(await getJson(verifyPath));
    if (!same(vApi)) throw new Error(`verification n 7/30/90: UI ${uiN[7]}/${uiN[30]}/${uiN[90]} ≠ API ${vApi[7]}/${vApi[30]}/${vApi[90]}`);
    if (uiTotal !== uiN[7] + uiN[30] + uiN[90]) throw new Error(`data-verified ${uiTotal} ≠ sum of n`);
    const verifyText = (await verify.textContent()) ?? '';
    if (uiTotal === 0 && !/No forecast has reached its target day yet/.test(verifyText)) throw new Error(`no verified forecast, but the block reads "${verifyText.trim().slice(0, 120)}"`);
    const verified = `verified n ${uiN[7]}/${uiN[30]}/${uiN[90]} like the API`;
    // Horizon selector: default 30 days; arrow keys move it (native radio group); a click selects.
    const horizon = () => chart.getAttribute('data-horizon');
    const waitHorizon = (h) =>
      page.waitForFunction((h) => document.querySelector('[data-testid=forecast-chart]')?.getAttribute('data-horizon') === h, h, { timeout: 2_000 });
    if ((await horizon()) !== '30') throw new Error(`default horizon ${await horizon()}, expected 30`);
    await page.getByTestId('forecast-horizon-30').focus();
    await page.keyboard.press('ArrowRight');
    await waitHorizon('90');
    await page.getByTestId('forecast-horizon-7').check();
    await waitHorizon('7');
    await page.getByTestId('forecast-horizon-30').check();
    await waitHorizon('30');
    await page.waitForTimeout(300);
    await shot('station-forecast-light.png');
    await withTheme('dark', () => shot('station-forecast-dark.png'));
    return `${param}: ${observed} observed days; P50 ${vals[7].p50} / ${vals[30].p50} / ${vals[90].p50} at 7/30/90 d (${compared}); ${verified}; horizon 30 → 90 (key) → 7 → 30`;
  });

  await step(`trend and anomalies for ${FORECAST_STATION}`, async () => {
    await openStation(FORECAST_STATION);
    const cells = '[data-testid^="trend-"]:not([data-testid=trend-section])';
    await page.locator(cells).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForFunction(
      (sel) =>
        [...document.querySelectorAll(sel), ...document.querySelectorAll('[data-testid^="anomalies-"]')].every(
          (e) => e.getAttribute('data-state') !== 'loading',
        ),
      cells,
      { timeout: 30_000 },
    );
    const p = forecastParam || 'dissolved_oxygen';
    const trend = page.getByTestId(`trend-${p}`);
    const state = await trend.getAttribute('data-state');
    const kind = await trend.getAttribute('data-trend');
    const text = ((await trend.textContent()) ?? '').trim();
    if (state !== 'ok') throw new Error(`trend-${p}: ${state} "${text}"`);
    if (!['increasing', 'decreasing', 'no_trend', 'insufficient_data'].includes(kind)) throw new Error(`trend-${p}: data-trend="${kind}"`);
    if (text.length < 10) throw new Error(`trend-${p}: text "${text}"`);
    if (kind === 'increasing' || kind === 'decreasing') {
      if (!/per (year|day)/.test(text) || !/p [=<]/.test(text)) throw new Error(`trend-${p}: "${text}" lacks slope or p`);
    }
    const api = await getJson(`${base}/api/stations/${encodeURIComponent(FORECAST_STATION)}/trend?parameter=${encodeURIComponent(p)}`);
    const days = Number(await trend.getAttribute('data-days'));
    // The window ends "now", so a day boundary can pass between the two requests.
    if (api.trend !== kind && Math.abs(api.days - days) < 1) throw new Error(`trend-${p}: UI ${kind}, API ${api.trend}`);
    const anomalies = page.getByTestId(`anomalies-${p}`);
    if ((await anomalies.getAttribute('data-state')) !== 'ok') throw new Error(`anomalies-${p}: ${(await anomalies.textContent())?.trim()}`);
    const count = Number(await anomalies.getAttribute('data-count'));
    const listed = await anomalies.locator('[data-testid=anomaly]').count();
    if (!Number.isInteger(count) || listed !== Math.min(count, 5)) throw new Error(`anomalies-${p}: data-count ${count}, ${listed} listed`);
    const all = await page.locator(cells).evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid').slice(6)}:${e.getAttribute('data-trend') || e.getAttribute('data-state')}`));
    return `"${text}"; ${count} anomal${count === 1 ? 'y' : 'ies'}; all: ${all.join(', ')}`;
  });

  // Time ranges (GET /api/stations/{id}/series): the demo hub seeds a year of 15-minute history for
  // apacpwq (temperature, dissolved_oxygen, ph, turbidity, depth), so 30 d shows hourly means.
  await step(`time range 30 d for ${FORECAST_STATION}: hourly means with min–max like GET /series, CSV export`, async () => {
    const now = Date.now();
    // Fail clearly (before the UI asks) when the hub lacks the endpoint.
    await getSeries(FORECAST_STATION, 'temperature', new Date(now - 30 * 86400e3).toISOString(), new Date(now).toISOString());
    await openStation(FORECAST_STATION);
    const selector = page.getByTestId('range-selector');
    await selector.waitFor({ state: 'visible', timeout: 10_000 });
    if (!(await page.getByTestId('range-24h').isChecked())) throw new Error('range-24h is not the default');
    await page.getByTestId('range-30d').check();
    await waitRange('30d');
    const charts = page.getByTestId('station-charts');
    const chartWithData = page.locator('[data-testid=station-charts] [data-testid^=chart-][data-resolution]:not([data-points="0"])');
    await chartWithData.first().locator('canvas').waitFor({ state: 'visible', timeout: 10_000 });
    const meta = await charts.evaluate((e) => ({ ...e.dataset }));
    if (meta.resolution !== 'hour') throw new Error(`30 d charts have resolution ${meta.resolution}, expected hour (auto)`);
    const shown = await page
      .locator('[data-testid=station-charts] [data-testid^=chart-][data-resolution]')
      .evaluateAll((els) => els.map((e) => ({ p: e.getAttribute('data-testid').slice(6), points: Number(e.dataset.points), buckets: Number(e.dataset.buckets), res: e.dataset.resolution })));
    const c = shown.find((x) => x.p === 'temperature') ?? shown.find((x) => x.points > 0);
    if (!c || c.points < 1) throw new Error(`no chart with data: ${JSON.stringify(shown)}`);
    // The same request as the UI (its window is on station-charts): plotted points = buckets with a mean.
    const api = await getSeries(FORECAST_STATION, c.p, meta.from, meta.to, 'auto');
    const apiPoints = api.points.filter((pt) => typeof pt.v === 'number').length;
    if (api.resolution !== 'hour') throw new Error(`GET /series (30 d, auto) answered resolution ${api.resolution}, expected hour`);
    if (c.res !== api.resolution) throw new Error(`chart-${c.p} data-resolution ${c.res}, API ${api.resolution}`);
    if (c.points !== apiPoints || c.buckets !== api.points.length) {
      throw new Error(`chart-${c.p}: ${c.points} points / ${c.buckets} buckets plotted, GET /series has ${apiPoints} / ${api.points.length} in [${meta.from}, ${meta.to}]`);
    }
    if (!api.points.some((pt) => typeof pt.min === 'number' && typeof pt.max === 'number' && pt.min <= pt.v && pt.v <= pt.max)) {
      throw new Error(`GET /series for ${c.p}: no bucket with min ≤ mean ≤ max`);
    }
    const note = page.getByTestId('range-note');
    const noteText = ((await note.textContent()) ?? '').trim();
    if ((await note.getAttribute('data-resolution')) !== 'hour' || !/hourly means/i.test(noteText)) throw new Error(`range note "${noteText}"`);
    // Export what is shown: one row per bucket, header t/mean/min/max/n.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId('export-csv').click()]);
    const file = path.join(ARTIFACTS, download.suggestedFilename() || 'export-30d.csv');
    await download.saveAs(file);
    const [header, ...data] = parseCsv(readFileSync(file, 'utf8'));
    if (header.join() !== 'station_id,parameter,resolution,time_utc,mean,min,max,n,unit') throw new Error(`30 d CSV header: ${header.join()}`);
    const csvRows = data.filter((r) => r[1] === c.p);
    if (csvRows.length !== api.points.length) throw new Error(`30 d CSV has ${csvRows.length} ${c.p} rows, GET /series ${api.points.length}`);
    const badTime = csvRows.findIndex((r, i) => r[3] !== api.points[i].t || r[2] !== 'hour');
    if (badTime !== -1) throw new Error(`30 d CSV row ${badTime}: ${csvRows[badTime].join(',')} vs API t ${api.points[badTime].t}`);
    // Every bucket but the newest (live readings may still land in it) has the API's numbers.
    const num = (v) => (v === null || v === undefined ? '' : String(v));
    const badVal = csvRows.slice(0, -1).findIndex((r, i) => [r[4], r[5], r[6], r[7]].join() !== [num(api.points[i].v), num(api.points[i].min), num(api.points[i].max), num(api.points[i].n)].join());
    if (badVal !== -1) throw new Error(`30 d CSV row ${badVal}: ${csvRows[badVal].join(',')} ≠ API ${JSON.stringify(api.points[badVal])}`);
    await page.waitForTimeout(300);
    await shot('station-range-30d-light.png');
    await withTheme('dark', () => shot('station-range-30d-dark.png'));
    // Keyboard: a native radio group, arrow keys move the choice (30 d → 1 y → 30 d).
    await page.getByTestId('range-30d').focus();
    await page.keyboard.press('ArrowRight');
    await waitRange('1y');
    const yearRes = await charts.getAttribute('data-resolution');
    await page.keyboard.press('ArrowLeft');
    await waitRange('30d');
    await page.getByTestId('range-24h').check();
    await waitRange('24h');
    if (yearRes !== 'day') throw new Error(`1 y charts have resolution ${yearRes}, expected day`);
    return `${c.p}: ${c.points} hourly points = GET /series; ${shown.length} chart(s); CSV ${data.length} rows → ${path.basename(file)}; 1 y → daily`;
  });

  await step(`historical replay of ${FORECAST_STATION}: last ${REPLAY_HOURS} h at ×3600 (clock advances, values change)`, async () => {
    await page.getByTestId('nav-replay').click();
    const view = page.getByTestId('replay-view');
    await view.waitFor({ state: 'visible', timeout: 5_000 });
    const station = page.getByTestId('replay-station');
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-station]')?.value, null, { timeout: 10_000 });
    const first = await station.inputValue();
    await station.selectOption(FORECAST_STATION);
    const win = await replayWindow(REPLAY_HOURS);
    await page.getByTestId('replay-from').fill(win.from);
    await page.getByTestId('replay-to').fill(win.to);
    await page.getByTestId('replay-speed').selectOption('3600');
    const clock = page.getByTestId('replay-clock');
    const t0 = await clock.getAttribute('data-t');
    if (!t0 || Math.abs(Date.parse(t0) - (Date.now() - REPLAY_HOURS * 3600e3)) > 5 * 60e3) throw new Error(`clock before Play reads ${t0}, expected the window start`);
    await page.evaluate(() => (window.__replay0 = undefined));
    const live0 = (await page.getByTestId('conn-state').textContent())?.trim();
    const clicked = Date.now();
    await page.getByTestId('replay-play').click();
    const res = await (
      await page.waitForFunction(
        (t0) => {
          const v = document.querySelector('[data-testid=replay-view]');
          const st = v?.getAttribute('data-state');
          if (st === 'error') return { error: document.querySelector('[data-testid=replay-error]')?.textContent?.trim() ?? 'error' };
          if (st !== 'playing' && st !== 'paused' && st !== 'ended') return null;
          const snap = [...document.querySelectorAll('[data-testid=replay-value]')].map((r) => [r.getAttribute('data-parameter'), r.getAttribute('data-value'), r.getAttribute('data-t')]);
          window.__replay0 ??= snap;
          const ct = document.querySelector('[data-testid=replay-clock]')?.getAttribute('data-t');
          const changed = snap.filter(([p, val, t]) => {
            const o = window.__replay0.find((x) => x[0] === p);
            return val !== '' && (!o || o[1] !== val || o[2] !== t);
          });
          return Date.parse(ct) > Date.parse(t0) && changed.length ? { ct, changed, state: st, applied: Number(v.getAttribute('data-applied')) } : null;
        },
        t0,
        { timeout: 10_000, polling: 100 },
      )
    ).jsonValue();
    if (res.error) throw new Error(`replay failed: ${res.error}`);
    const took = Date.now() - clicked;
    if (Date.parse(res.ct) > Date.now() + 60e3) throw new Error(`clock ${res.ct} is beyond the window end (now)`);
    await page.locator('[data-testid^=replay-chart-]:not([data-points="0"]) canvas').first().waitFor({ state: 'visible', timeout: 5_000 });
    // Let it fill about half the window (for the screenshots), then: Pause freezes the clock
    // (unless the replay already ended), Stop rewinds it and clears the table.
    await page
      .waitForFunction(() => Number(document.querySelector('[data-testid=replay-progress]')?.value) >= 0.5, null, { timeout: 5_000 })
      .catch(() => {});
    let paused = 'ended before pause';
    if ((await view.getAttribute('data-state')) === 'playing') {
      await page.getByTestId('replay-pause').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=replay-view]')?.getAttribute('data-state') === 'paused', null, { timeout: 2_000 });
      const p1 = await clock.getAttribute('data-t');
      await page.waitForTimeout(600);
      const p2 = await clock.getAttribute('data-t');
      if (p1 !== p2) throw new Error(`clock moved while paused: ${p1} → ${p2}`);
      paused = `paused at ${p1}`;
    }
    await page.waitForTimeout(300);
    await shot('replay-light.png');
    await withTheme('dark', () => shot('replay-dark.png'));
    await page.getByTestId('replay-stop').click();
    await page.waitForFunction(
      (t0) =>
        document.querySelector('[data-testid=replay-view]')?.getAttribute('data-state') === 'idle' &&
        document.querySelector('[data-testid=replay-clock]')?.getAttribute('data-t') === t0 &&
        [...document.querySelectorAll('[data-testid=replay-value]')].every((r) => r.getAttribute('data-value') === ''),
      t0,
      { timeout: 2_000 },
    );
    const live1 = (await page.getByTestId('conn-state').textContent())?.trim();
    if (live0 === 'live' && live1 !== 'live') throw new Error(`live connection ${live0} → ${live1} during the replay`);
    const ch = res.changed.slice(0, 3).map(([p, v, t]) => `${p}=${v}@${t.slice(11, 19)}`).join(', ');
    return `default station ${first}; clock ${t0} → ${res.ct} within ${took} ms (${res.applied} readings applied, ${res.state}); changed ${ch}; ${paused}; stop rewinds`;
  });

  await step('sources & health view (status, broker, forecast backend, auto-refresh)', async () => {
    await page.getByTestId('nav-health').click();
    await page.getByTestId('health-view').waitFor({ state: 'visible', timeout: 5_000 });
    await waitHealthLoaded();
    const api = await getJson(`${base}/health`);
    const status = await page.getByTestId('health-status').getAttribute('data-state');
    if (status !== api.status) throw new Error(`status ${status}, /health says ${api.status}`);
    const version = (await page.getByTestId('health-version').textContent())?.trim();
    if (api.version && version !== api.version) throw new Error(`version ${version}, /health says ${api.version}`);
    if (api.mqtt && (await page.getByTestId('health-mqtt-state').getAttribute('data-connected')) !== String(api.mqtt.connected)) {
      throw new Error('MQTT connected state differs from /health');
    }
    if (!api.forecast) throw new Error('GET /health has no `forecast` object');
    const backend = (await page.getByTestId('health-forecast-backend').textContent())?.trim();
    if (!api.forecast.backend) throw new Error(`/health forecast.backend is ${api.forecast.backend} (load_error: ${api.forecast.load_error ?? 'none'})`);
    if (backend !== api.forecast.backend) throw new Error(`forecast backend "${backend}", /health says "${api.forecast.backend}"`);
    const models = await page.getByTestId('health-forecast-model').count();
    if (models !== (api.forecast.models ?? []).length) throw new Error(`${models} model rows, /health lists ${(api.forecast.models ?? []).length}`);
    const loops = api.loops ? Object.keys(api.loops).length : null;
    if (loops !== null && (await page.getByTestId('health-loop').count()) !== loops) throw new Error(`loop rows ≠ ${loops}`);
    const sources = api.sources ? Object.keys(api.sources).length : null;
    // A list of connectors (`[{id, state, …}]`) is shown by the "Data connectors" panel (next step), anything else by the table.
    const connectorList = Array.isArray(api.sources) && api.sources.length > 0 && api.sources.every((c) => typeof c?.id === 'string');
    const shownSources = connectorList
      ? await page.locator('[data-testid=connectors] [data-testid^="connector-"][data-state]').count()
      : await page.getByTestId('health-source').count();
    if (sources !== null && shownSources !== sources) throw new Error(`${shownSources} source rows/cards ≠ ${sources}`);
    // Refreshed every 10 s while shown: the uptime moves on.
    const up0 = Number(await page.getByTestId('health-uptime').getAttribute('data-seconds'));
    await page.waitForFunction((u) => Number(document.querySelector('[data-testid=health-uptime]')?.getAttribute('data-seconds')) > u, up0, { timeout: 15_000 });
    await shot('health-light.png');
    await withTheme('dark', () => shot('health-dark.png'));
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `${status}, v${version}, backend ${backend}, ${models} model(s), loops ${loops ?? 'not reported'}, sources ${sources ?? 'not reported'}; refreshed`;
  });

  await step('data connectors: one card per GET /api/sources entry, state and reason verbatim', async () => {
    const api = await getApi('/api/sources', 'this hub has no /api/sources endpoint');
    if (!Array.isArray(api)) throw new Error(`GET /api/sources is not an array: ${JSON.stringify(api).slice(0, 120)}`);
    await page.getByTestId('nav-health').click();
    await waitHealthLoaded();
    await page.getByTestId('connectors').waitFor({ state: 'visible', timeout: 5_000 });
    const cards = page.locator('[data-testid=connectors] [data-testid^="connector-"][data-state]');
    const n = await cards.count();
    if (n !== api.length) throw new Error(`${n} connector cards, GET /api/sources lists ${api.length}`);
    const states = [];
    for (const c of api) {
      const card = page.getByTestId(`connector-${c.id}`);
      const st = await card.getAttribute('data-state');
      if (st !== c.state) throw new Error(`connector-${c.id}: data-state ${st}, API says ${c.state}`);
      const reason = card.getByTestId('connector-reason');
      if (c.reason) {
        const shown = (await reason.textContent())?.trim();
        if (shown !== c.reason.trim()) throw new Error(`connector-${c.id}: reason "${shown}", API says "${c.reason}"`);
      } else if ((await reason.count()) !== 0) throw new Error(`connector-${c.id}: shows a reason, the API has none`);
      if (c.state === 'disabled') {
        const hint = (await card.getByTestId('connector-off-hint').textContent()) ?? '';
        if (!hint.includes(`[sources.${c.id}]`)) throw new Error(`connector-${c.id}: off hint "${hint.trim()}" does not name [sources.${c.id}]`);
      }
      if (c.state === 'not_authorised' && (await card.getByTestId('connector-auth-hint').count()) !== 1) {
        throw new Error(`connector-${c.id}: not authorised without the access hint`);
      }
      if (Boolean(c.insecure_tls) !== ((await card.getByTestId('connector-insecure-tls').count()) === 1)) throw new Error(`connector-${c.id}: insecure TLS badge ≠ API`);
      if (Boolean(c.stale) !== ((await card.getByTestId('connector-stale').count()) === 1)) throw new Error(`connector-${c.id}: stale badge ≠ API`);
      if (Boolean(c.circuit_open_until) !== ((await card.getByTestId('connector-circuit').count()) === 1)) throw new Error(`connector-${c.id}: circuit line ≠ API`);
      states.push(`${c.id}=${st}`);
    }
    await shotsAt('connectors', 'connectors');
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return states.join(', ') || 'no connectors';
  });

  await step(`"All sources" (unified view) of ${FORECAST_STATION} like GET /api/stations/{id}/comprehensive`, async () => {
    const api = await getApi(`/api/stations/${encodeURIComponent(FORECAST_STATION)}/comprehensive`, 'this hub has no /comprehensive endpoint');
    await openStation(FORECAST_STATION);
    const st = await waitComprehensive();
    const groups = { water_quality: api.water_quality ?? [], hydrology: api.hydrology ?? [], weather: api.weather ?? [] };
    const anyField = Object.values(groups).some((g) => g.length > 0);
    if (!anyField && !api.flood && !api.district_bulletins) {
      if (st !== 'empty') throw new Error(`API has no data but data-state=${st}`);
      throw new Error(`GET …/comprehensive of ${FORECAST_STATION} has no fields; the demo station should have sensor water quality`);
    }
    if (st !== 'ok') throw new Error(`data-state=${st}`);
    // The API is fetched again here; a field that appears or changes source in between is tolerated once by re-reading.
    const mismatch = async (a) => {
      for (const [g, fields] of Object.entries({ water_quality: a.water_quality ?? [], hydrology: a.hydrology ?? [], weather: a.weather ?? [] })) {
        const shown = await page.getByTestId(`comp-group-${g}`).count();
        if (fields.length === 0 && shown) return `group ${g} shown but empty in the API`;
        if (fields.length > 0 && !shown) return `group ${g} (${fields.length} field(s)) not shown`;
        for (const f of fields) {
          const el = page.getByTestId(`comp-field-${f.parameter}`);
          if ((await el.count()) !== 1) return `comp-field-${f.parameter} missing`;
          const [src, con] = await el.evaluate((e) => [e.getAttribute('data-source'), e.getAttribute('data-connector')]);
          if (src !== (f.source ?? '') || con !== (f.connector ?? '')) return `comp-field-${f.parameter}: ${src}/${con}, API ${f.source}/${f.connector}`;
        }
      }
      if (Boolean(a.flood) !== ((await page.getByTestId('comp-flood').count()) === 1)) return 'flood block ≠ API';
      return null;
    };
    let bad = await mismatch(api);
    if (bad) {
      await page.waitForTimeout(1_000);
      bad = await mismatch(await getApi(`/api/stations/${encodeURIComponent(FORECAST_STATION)}/comprehensive`, ''));
    }
    if (bad) throw new Error(bad);
    const sensors = await page.locator('[data-testid=comp-group-water_quality] [data-testid^="comp-field-"][data-source=sensor]').count();
    if (sensors < 1) throw new Error('no water-quality field with data-source="sensor"');
    await scrollToTestId('comprehensive');
    await page.waitForTimeout(200);
    await shot('station-sources-light.png');
    await withTheme('dark', () => shot('station-sources-dark.png'));
    const counts = Object.entries(groups).map(([g, f]) => `${g} ${f.length}`).join(', ');
    return `${counts}; ${sensors} sensor water-quality field(s)${api.flood ? `; flood ${api.flood.status}` : ''}`;
  });

  await step(`satellite estimates of ${SATELLITE_STATION} beside the in-situ values (replayed clear and cloudy Sentinel-2 scenes)`, async () => {
    // The connector evaluates the replayed scenes soon after the hub starts: wait for them in the API first,
    // so a failure says whether the backend or the panel is at fault.
    const apiPath = `/api/stations/${encodeURIComponent(SATELLITE_STATION)}/satellite`;
    let api = await getApi(apiPath, 'this hub has no /satellite endpoint');
    const deadline = Date.now() + SATELLITE_TIMEOUT;
    while ((api.scenes ?? []).length < 2 && Date.now() < deadline) {
      await page.waitForTimeout(1_000);
      api = await getApi(apiPath, 'the /satellite endpoint went away');
    }
    if (!api.enabled) throw new Error(`GET ${apiPath}: enabled=false; the hub needs [sources.satellite] enabled (scripts/test.sh points it at tests/e2e/stac-replay.mjs)`);
    if ((api.scenes ?? []).length < 2) {
      const src = api.source ?? {};
      throw new Error(
        `GET ${apiPath}: ${(api.scenes ?? []).length} scene(s) after ${SATELLITE_TIMEOUT / 1000} s, expected 2; connector ${src.state ?? 'not reported'}, reason ${src.reason ?? '—'}, last error ${src.last_error ?? '—'}`,
      );
    }
    await openStation(SATELLITE_STATION);
    const panel = page.getByTestId('satellite-panel');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    const rowSel = '[data-testid=satellite-panel] [data-testid=satellite-scene]';
    try {
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 2, rowSel, { timeout: 30_000 });
    } catch {
      const [st, mode, n, text] = await panel.evaluate((e, sel) => [e.dataset.state, e.dataset.mode, document.querySelectorAll(sel).length, e.textContent.trim().slice(0, 160)], rowSel);
      throw new Error(`satellite-panel shows ${n} satellite-scene row(s) after 30 s (data-state=${st}, data-mode=${mode}), API has 2: "${text}"`);
    }
    const rowsShown = await page.locator(rowSel).evaluateAll((els) =>
      els.map((r) => {
        const cell = (id) => {
          const c = r.querySelector(`[data-testid=${id}]`);
          return { state: c?.dataset.state ?? '', value: c?.dataset.value ?? '', text: c?.textContent.replace(/\s+/g, ' ').trim() ?? '' };
        };
        return { id: r.dataset.sceneId, turb: cell('sat-turbidity'), insitu: cell('sat-turbidity-insitu') };
      }),
    );
    const clear = rowsShown.find((r) => r.id.startsWith('S2B_'));
    const cloudy = rowsShown.find((r) => r.id.startsWith('S2A_'));
    if (!clear || !cloudy) throw new Error(`scene rows ${rowsShown.map((r) => r.id).join(', ')}: expected one S2B_… (clear) and one S2A_… (cloudy)`);
    if (rowsShown[0] !== clear) throw new Error(`rows not newest first: ${rowsShown.map((r) => r.id).join(', ')}`);
    const v = Number(clear.turb.value);
    if (clear.turb.state !== 'value' || !(v >= 12.9 && v <= 13.1) || !clear.turb.text.includes('FNU')) {
      throw new Error(`clear scene ${clear.id}: satellite turbidity "${clear.turb.text}" (data-value ${clear.turb.value || 'none'}), expected ≈ 12.97 FNU (12.9–13.1)`);
    }
    const apiClear = api.scenes.find((sc) => sc.scene_id === clear.id);
    if (clear.insitu.state !== 'value' || !Number.isFinite(Number(clear.insitu.value)) || clear.insitu.value === '') {
      throw new Error(`clear scene ${clear.id}: no in-situ turbidity shown ("${clear.insitu.text}"); API in_situ ${JSON.stringify(apiClear?.in_situ ?? null)}`);
    }
    if (cloudy.turb.state !== 'few' || !cloudy.turb.text.includes('too few water pixels')) {
      throw new Error(`cloudy scene ${cloudy.id}: satellite turbidity reads "${cloudy.turb.text}" (data-state ${cloudy.turb.state}), expected "too few water pixels (n valid)"`);
    }
    if (!(await page.getByTestId('satellite-caveat').isVisible())) throw new Error('satellite-caveat not visible');
    await shotsAt('satellite-panel', 'station-satellite');
    await page.setViewportSize({ width: 390, height: 844 });
    let over = 0;
    try {
      await scrollToTestId('satellite-panel');
      await page.waitForTimeout(300);
      over = await overflowX();
      await shot('station-satellite-phone.png', false);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    if (over > 1) throw new Error(`horizontal overflow on a phone: ${over}px (the table should scroll inside the panel)`);
    return `clear ${clear.turb.text} vs in situ ${clear.insitu.text}; cloudy "${cloudy.turb.text}"`;
  });

  await step(`catalogue: search "${CATALOGUE_QUERY}" (debounced), state filter, rows like GET /api/catalogue`, async () => {
    await page.getByTestId('nav-catalogue').click();
    await page.getByTestId('catalogue').waitFor({ state: 'visible', timeout: 5_000 });
    await waitCatalogue();
    const size = Number(await page.getByTestId('catalogue').getAttribute('data-total'));
    const asked = [];
    const onReq = (r) => r.url().includes('/api/catalogue') && asked.push(new URL(r.url()).searchParams.get('q') ?? '');
    page.on('request', onReq);
    // The search box is labelled ("Search the catalogue") and typing is debounced by 250 ms.
    const box = page.getByLabel('Search the catalogue');
    await box.fill('');
    await box.pressSequentially(CATALOGUE_QUERY, { delay: 40 });
    await page.waitForFunction(
      (q) => {
        const c = document.querySelector('[data-testid=catalogue]');
        return c?.getAttribute('data-state') === 'ok' && document.querySelector('[data-testid=catalogue-search]')?.value === q;
      },
      CATALOGUE_QUERY,
      { timeout: 10_000 },
    );
    await page.waitForTimeout(400);
    await waitCatalogue();
    page.off('request', onReq);
    if (asked.at(-1) !== CATALOGUE_QUERY) throw new Error(`last catalogue request q=${asked.at(-1)}, expected ${CATALOGUE_QUERY}`);
    if (asked.length >= CATALOGUE_QUERY.length) throw new Error(`${asked.length} requests for ${CATALOGUE_QUERY.length} keystrokes: not debounced`);
    const limit = 200;
    const api = await getApi(`/api/catalogue?${new URLSearchParams({ q: CATALOGUE_QUERY, limit: String(limit) })}`, 'this hub has no /api/catalogue endpoint');
    const shown = await page.getByTestId('catalogue-row').count();
    const total = Number(await page.getByTestId('catalogue').getAttribute('data-total'));
    if (api.total < 1) throw new Error(`GET /api/catalogue?q=${CATALOGUE_QUERY} matches no station`);
    if (shown < 1) throw new Error('no catalogue-row');
    if (total !== api.total || shown !== api.stations.length) throw new Error(`UI ${shown} row(s) of ${total}, API ${api.stations.length} of ${api.total}`);
    const firstId = await page.getByTestId('catalogue-row').first().getAttribute('data-id');
    if (firstId !== api.stations[0].id) throw new Error(`first row ${firstId}, API ${api.stations[0].id}`);
    // Live rows link to the station view.
    const live = page.locator('[data-testid=catalogue-row][data-live=true]');
    const nLive = await live.count();
    if (nLive !== api.stations.filter((x) => x.live).length) throw new Error(`${nLive} live row(s), API ${api.stations.filter((x) => x.live).length}`);
    if (nLive) {
      const href = await live.first().locator('a[href^="#/station/"]').first().getAttribute('href');
      if (!href) throw new Error('a live row has no link to its station');
    }
    if (api.stations.some((x) => x.river)) {
      const links = page.locator('[data-testid=catalogue-river-link]');
      const riverLink = (await links.count()) ? await links.first().getAttribute('href') : null;
      if (!riverLink?.startsWith('#/river/')) throw new Error(`river link ${riverLink}`);
    }
    // The state select lists the reply's states; choosing one filters by it.
    const opts = await page.getByTestId('catalogue-state').locator('option').count();
    if (opts !== api.states.length + 1) throw new Error(`${opts - 1} state option(s), API ${api.states.length}`);
    let stateNote = 'no states';
    if (api.states.length) {
      const chosen = api.states[0].name;
      await page.getByTestId('catalogue-state').selectOption(chosen);
      await page.waitForFunction(
        (st) => {
          const c = document.querySelector('[data-testid=catalogue]');
          const links = [...document.querySelectorAll('[data-testid=catalogue-row] [data-testid=catalogue-state-link]')];
          return c?.getAttribute('data-state') === 'ok' && links.length > 0 && links.every((l) => l.textContent.trim() === st);
        },
        chosen,
        { timeout: 10_000 },
      );
      stateNote = `state "${chosen}" → ${await page.getByTestId('catalogue-row').count()} row(s)`;
      await page.getByTestId('catalogue-state').selectOption('');
      await waitCatalogue();
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('catalogue-light.png', false);
    await withTheme('dark', () => shot('catalogue-dark.png', false));
    return `catalogue ${size} first shown; "${CATALOGUE_QUERY}": ${shown} row(s) of ${total} after ${asked.length} request(s), ${nLive} live; ${stateNote}`;
  });

  await step(`area summary #/river/${AREA_RIVER} like GET /api/rivers/{name} (stations_total > 0)`, async () => {
    const api = await getApi(`/api/rivers/${encodeURIComponent(AREA_RIVER)}`, `no station on record for river ${AREA_RIVER} (catalogue stations count as no_data)`);
    if (!(api.stations_total > 0)) throw new Error(`stations_total ${api.stations_total}`);
    await page.evaluate((r) => (window.location.hash = `#/river/${encodeURIComponent(r)}`), AREA_RIVER);
    await page.getByTestId('area-summary').waitFor({ state: 'visible', timeout: 5_000 });
    const st = await (await waitArea()).jsonValue();
    if (st !== 'ok') throw new Error(`area-summary data-state=${st}: ${(await page.getByTestId('area-summary').textContent())?.trim().slice(0, 200)}`);
    const total = Number(await page.getByTestId('area-summary').getAttribute('data-total'));
    if (total !== api.stations_total) throw new Error(`data-total ${total}, API ${api.stations_total}`);
    let sum = 0;
    for (const k of ['ok', 'warning', 'critical', 'offline', 'no_data']) {
      const n = Number(await page.getByTestId(`area-count-${k}`).getAttribute('data-count'));
      if (n !== (api.counts?.[k] ?? 0)) throw new Error(`area-count-${k} ${n}, API ${api.counts?.[k]}`);
      sum += n;
    }
    if (sum !== total) throw new Error(`counts add up to ${sum}, not ${total}`);
    const listed = await page.getByTestId('area-station').count();
    if (listed !== api.stations.length) throw new Error(`${listed} station row(s), API ${api.stations.length}`);
    const linked = await page.locator('[data-testid=area-station][data-live=true] a[href^="#/station/"]').count();
    const live = api.stations.filter((x) => x.station).length;
    if (linked !== live) throw new Error(`${linked} station link(s), ${live} live station(s) in the API`);
    await shot('area-light.png');
    await withTheme('dark', () => shot('area-dark.png'));
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `${total} station(s): ${Object.entries(api.counts ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}; mean WQI ${api.mean_wqi ?? '—'}`;
  });

  // Markers within ~40 px merge into `map-cluster` (data-count, data-status); only the viewport
  // (+ a margin) is rendered. The demo's two Patalganga stations (17 km apart) form a cluster in the
  // view fitted to all stations; the synthetic 5,000-station clustering is unit-tested (cluster.test.ts).
  const MAP_POINTS = '[data-testid=map-marker], [data-testid=map-cluster]';
  const mapState = () =>
    page.evaluate(() => {
      const m = document.querySelector('[data-testid=map]');
      const box = m.getBoundingClientRect();
      const inView = (e) => {
        const r = e.getBoundingClientRect();
        return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
      };
      const markers = [...document.querySelectorAll('[data-testid=map-marker]')];
      const clusters = [...document.querySelectorAll('[data-testid=map-cluster]')];
      return {
        zoom: Number(m.dataset.zoom),
        markers: markers.length,
        clusters: clusters.length,
        inClusters: clusters.reduce((a, e) => a + Number(e.dataset.count), 0),
        visibleMarker: markers.find(inView)?.dataset.stationId ?? null,
        badCluster: clusters.find((e) => !(Number(e.dataset.count) >= 2) || !e.dataset.status || !e.getAttribute('aria-label') || e.tabIndex !== 0)?.outerHTML ?? null,
      };
    });

  await step('map shows station markers and clusters; Enter on a cluster zooms in; a marker opens its station', async () => {
    await page.getByTestId('nav-map').click();
    await page.getByTestId('map').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
    const withLoc = (await getJson(`${base}/api/stations`)).filter((s) => s.location).length;
    await page.waitForTimeout(500); // base layer
    const st = await mapState();
    await shot('map-light.png');
    // The first view is fitted to every station, so each is in a marker or a cluster.
    if (st.markers + st.inClusters !== withLoc) throw new Error(`${st.markers} marker(s) + ${st.inClusters} in ${st.clusters} cluster(s) for ${withLoc} located stations`);
    if (st.badCluster) throw new Error(`cluster without count/status/label/tabindex: ${st.badCluster.slice(0, 200)}`);
    let detail = `${st.markers} marker(s) + ${st.clusters} cluster(s) of ${st.inClusters} = ${withLoc} located`;
    if (st.clusters > 0) {
      const cl = page.locator('[data-testid=map-cluster]').first();
      const n = await cl.getAttribute('data-count');
      await cl.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((z) => Number(document.querySelector('[data-testid=map]').dataset.zoom) > z, st.zoom, { timeout: 5_000 });
      // Focus moves to a marker (or smaller cluster) of the stations zoomed into.
      await page.waitForFunction(() => document.activeElement?.matches('[data-testid=map-marker], [data-testid=map-cluster]'), null, { timeout: 5_000 });
      await page.waitForTimeout(300);
      await shot('map-cluster-light.png');
      const after = await mapState();
      detail += `; Enter on a cluster of ${n}: zoom ${st.zoom} → ${after.zoom}, ${after.markers} marker(s), ${after.clusters} cluster(s)`;
      const focused = await page.evaluate(() => document.activeElement?.dataset.stationId ?? null);
      if (focused) {
        // Enter on a focused marker opens its station.
        await page.keyboard.press('Enter');
        await page.locator(`[data-testid=station-view][data-station-id="${focused}"]`).waitFor({ state: 'visible', timeout: 5_000 });
        detail += `; Enter → ${focused}`;
        await page.getByTestId('nav-map').click();
        await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
        await page.waitForTimeout(300);
      }
    }
    const id = (await mapState()).visibleMarker;
    if (!id) throw new Error('no station marker inside the map view');
    await page.locator(`[data-testid=map-marker][data-station-id="${id}"]`).click();
    await page.locator(`[data-testid=station-view][data-station-id="${id}"]`).waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `${detail}; click → ${id}`;
  });

  await step('map rivers layer: offline asset, toggles, persisted', async () => {
    await page.getByTestId('nav-map').click();
    const toggle = page.getByTestId('map-rivers-toggle');
    await toggle.waitFor({ state: 'visible', timeout: 10_000 });
    const paths = '[data-testid=map-rivers] path';
    const count = () => page.locator(paths).count();
    const attribution = () => page.locator('.leaflet-control-attribution').textContent();
    if (!(await toggle.isChecked())) await toggle.check(); // on by default
    await page.waitForFunction((q) => document.querySelectorAll(q).length > 0, paths, { timeout: 10_000 });
    const on = await count();
    const lines = Number(await page.getByTestId('map').getAttribute('data-rivers'));
    if (lines !== on) throw new Error(`data-rivers=${lines} but ${on} river path(s)`);
    if (!(await attribution()).includes('Rivers: Natural Earth')) throw new Error(`attribution without rivers: ${await attribution()}`);
    await toggle.uncheck();
    await page.waitForFunction((q) => document.querySelectorAll(q).length === 0, paths, { timeout: 5_000 });
    if ((await attribution()).includes('Rivers')) throw new Error('rivers attribution left after hiding them');
    const stored = await page.evaluate(() => localStorage.getItem('purehealth.mapRivers'));
    if (stored !== '0') throw new Error(`purehealth.mapRivers=${stored} after unticking`);
    // Off survives a reload; ticking it again fetches the rivers from the hub itself (no other host).
    await page.reload({ waitUntil: 'domcontentloaded' });
    await toggle.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
    if (await toggle.isChecked()) throw new Error('Rivers ticked again after a reload');
    if ((await count()) !== 0) throw new Error('river paths drawn while Rivers is off');
    const asset = page.waitForResponse((r) => /asia_50m[^/]*\.json$/.test(new URL(r.url()).pathname), { timeout: 10_000 });
    await toggle.check();
    const res = await asset;
    if (res.status() !== 200 || new URL(res.url()).origin !== new URL(base).origin) throw new Error(`rivers from ${res.url()} (HTTP ${res.status()})`);
    await page.waitForFunction((q) => document.querySelectorAll(q).length > 0, paths, { timeout: 10_000 });
    if ((await page.evaluate(() => localStorage.getItem('purehealth.mapRivers'))) !== '1') throw new Error('purehealth.mapRivers not 1 after ticking');
    await page.waitForTimeout(300);
    await shot('map-rivers-light.png');
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `${on} river line(s) on, 0 off, off kept across a reload, asset ${new URL(res.url()).pathname} from the hub`;
  });

  await step('map state boundaries: offline asset, beneath rivers and markers, not focusable', async () => {
    // Always shown (no toggle): fetched from the hub with the base map each time the map opens.
    const asset = page.waitForResponse((r) => /state-boundaries[^/]*\.json$/.test(new URL(r.url()).pathname), { timeout: 15_000 });
    await page.getByTestId('nav-map').click();
    const res = await asset;
    if (res.status() !== 200 || new URL(res.url()).origin !== new URL(base).origin) throw new Error(`state boundaries from ${res.url()} (HTTP ${res.status()})`);
    const paths = '[data-testid=map-states] path';
    await page.waitForFunction((q) => document.querySelectorAll(q).length > 0, paths, { timeout: 10_000 });
    const st = await page.evaluate((q) => {
      const z = (sel) => Number(getComputedStyle(document.querySelector(sel)).zIndex);
      return {
        paths: document.querySelectorAll(q).length,
        lines: Number(document.querySelector('[data-testid=map]').dataset.states),
        labels: Number(document.querySelector('[data-testid=map]').dataset.stateLabels),
        z: [z('.leaflet-overlay-pane'), z('[data-testid=map-states]'), z('[data-testid=map-rivers]'), z('[data-testid=map-state-labels]'), z('.leaflet-marker-pane')],
        focusable: document.querySelectorAll('[data-testid=map-states] [tabindex], [data-testid=map-states] .leaflet-interactive, [data-testid=map-state-labels] [tabindex]').length,
        labelsHidden: document.querySelector('[data-testid=map-state-labels]')?.getAttribute('aria-hidden'),
        attribution: document.querySelector('.leaflet-control-attribution')?.textContent ?? '',
        note: document.querySelector('[data-testid=map-states-note]')?.textContent ?? '',
      };
    }, paths);
    if (st.lines !== st.paths) throw new Error(`data-states=${st.lines} but ${st.paths} boundary path(s)`);
    // land (overlay pane) < state borders < rivers < state names < markers
    if (!st.z.every((v, i) => i === 0 || v > st.z[i - 1])) throw new Error(`pane order (overlay, states, rivers, labels, markers): ${st.z.join(', ')}`);
    if (st.focusable) throw new Error(`${st.focusable} focusable/clickable element(s) in the state boundary layers`);
    if (st.labelsHidden !== 'true') throw new Error('state names not hidden from screen readers');
    if (!st.attribution.includes('States: Natural Earth')) throw new Error(`attribution without the states: ${st.attribution}`);
    if (!/indicative/.test(st.note) || !/Survey of India/.test(st.note)) throw new Error(`no boundary disclaimer: "${st.note}"`);
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    return `${st.paths} border line(s), ${st.labels} state name(s) at this zoom, asset ${new URL(res.url()).pathname} from the hub`;
  });

  const OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
  if (TILES_URL) {
    await step('map online tiles: off by default, local tile server beneath the outlines, invalid URL, unreachable server, off again', async () => {
      const toggle = page.getByTestId('map-tiles-toggle');
      const urlInput = page.getByTestId('map-tiles-url');
      const served = async () => (await getJson(`${TILES_URL}/tiles/count`)).tiles;
      const mapTiles = () => page.getByTestId('map').getAttribute('data-tiles');
      const tileState = () =>
        page.evaluate(() => {
          const z = (sel) => Number(getComputedStyle(document.querySelector(sel)).zIndex);
          const land = [...document.querySelectorAll('.leaflet-overlay-pane path')];
          return {
            imgs: document.querySelectorAll('.leaflet-tile-pane img').length,
            loaded: [...document.querySelectorAll('img.leaflet-tile-loaded')].map((i) => i.src),
            land: land.length,
            landFill: [...new Set(land.map((p) => p.getAttribute('fill-opacity')))].join(','),
            below: z('.leaflet-tile-pane') < z('.leaflet-overlay-pane'),
            filter: getComputedStyle(document.querySelector('.ph-tiles') ?? document.body).filter,
            attribution: document.querySelector('.leaflet-control-attribution')?.textContent ?? '',
            note: document.querySelector('.map-view .attribution')?.textContent ?? '',
          };
        });
      // No internet here: the default OpenStreetMap tiles fail at once (and are counted).
      let osm = 0;
      await page.route('https://tile.openstreetmap.org/**', (r) => (osm++, r.abort('internetdisconnected')));
      deadTileOrigins.push('https://tile.openstreetmap.org');
      try {
        await page.getByTestId('nav-map').click();
        await toggle.waitFor({ state: 'visible', timeout: 10_000 });
        await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
        await page.waitForTimeout(500);
        const off = await tileState();
        if (await toggle.isChecked()) throw new Error('Online map tiles ticked by default');
        if (off.imgs || osm) throw new Error(`tiles fetched while off: ${off.imgs} img(s), ${osm} OpenStreetMap request(s)`);
        if (await urlInput.count()) throw new Error('tile URL field shown while the tiles are off');
        if (off.landFill !== '1') throw new Error(`offline land fill-opacity ${off.landFill} with the tiles off`);

        await toggle.check();
        if ((await page.evaluate(() => localStorage.getItem('purehealth.mapTiles'))) !== '1') throw new Error('purehealth.mapTiles not 1 after ticking');
        await urlInput.waitFor({ state: 'visible', timeout: 5_000 });
        if ((await urlInput.inputValue()) !== OSM_TILES) throw new Error(`default tile URL "${await urlInput.inputValue()}"`);
        await page.waitForFunction(() => /© OpenStreetMap contributors/.test(document.querySelector('.leaflet-control-attribution')?.textContent ?? ''), null, { timeout: 5_000 }).catch(() => {
          throw new Error('no "© OpenStreetMap contributors" in the attribution with the default URL');
        });
        await page.waitForTimeout(500);
        if (!osm) throw new Error('no OpenStreetMap tile requested with the default URL');

        // The local tile server: light-green tiles under the outlines.
        const before = await served();
        const local = `${TILES_URL}/tiles/{z}/{x}/{y}.png`;
        await urlInput.fill(local);
        await page.getByTestId('map-tiles-apply').click();
        await page.waitForFunction((u) => [...document.querySelectorAll('img.leaflet-tile-loaded')].some((i) => i.src.startsWith(u)), TILES_URL, { timeout: 10_000 }).catch(() => {
          throw new Error(`no img.leaflet-tile-loaded from ${TILES_URL} within 10 s`);
        });
        await page.getByTestId('map-tiles-offline').waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {
          throw new Error('"not reachable" note still shown after tiles loaded');
        });
        const on = await tileState();
        const count = (await served()) - before;
        if (count < 1) throw new Error(`the tile server saw ${count} tile request(s)`);
        if (!on.below) throw new Error('tile pane not beneath the overlay pane (outlines)');
        if (!on.land) throw new Error('offline outlines gone with the tiles on');
        if (on.landFill !== '0') throw new Error(`land fill-opacity ${on.landFill} over reachable tiles (expected 0: outlines only)`);
        const host = new URL(TILES_URL).host;
        if (!on.attribution.includes(`Map tiles: ${host}`) || on.attribution.includes('OpenStreetMap')) throw new Error(`attribution "${on.attribution}"`);
        if (!on.note.includes(`Map tiles: ${host}`)) throw new Error(`attribution line under the map: "${on.note.trim()}"`);
        if ((await page.evaluate(() => localStorage.getItem('purehealth.mapTilesUrl'))) !== local) throw new Error('purehealth.mapTilesUrl not stored');
        if ((await mapTiles()) !== 'on') throw new Error(`data-tiles=${await mapTiles()}`);
        if (on.filter !== 'none') throw new Error(`tiles filtered in the light theme: ${on.filter}`);
        await page.waitForTimeout(300); // Leaflet fades tiles in
        await shot('map-tiles-light.png', false);
        const dark = await withTheme('dark', async () => {
          await shot('map-tiles-dark.png', false);
          return (await tileState()).filter;
        });
        if (!/invert/.test(dark)) throw new Error(`dark-theme tile filter "${dark}"`);

        // An invalid URL is named and changes nothing.
        await urlInput.fill('https://tiles.example.org/{z}/{x}.png');
        await page.getByTestId('map-tiles-apply').click();
        const err = page.getByTestId('map-tiles-error');
        await err.waitFor({ state: 'visible', timeout: 5_000 });
        const errText = (await err.textContent()) ?? '';
        if ((await err.getAttribute('data-problem')) !== 'missing' || !errText.includes('{y}')) throw new Error(`error for a URL without {y}: "${errText.trim()}"`);
        const kept = await tileState();
        if (!kept.loaded.length || !kept.loaded.every((u) => u.startsWith(TILES_URL))) throw new Error(`tiles after an invalid URL: ${kept.loaded.slice(0, 2).join(' ')}`);
        if ((await page.evaluate(() => localStorage.getItem('purehealth.mapTilesUrl'))) !== local) throw new Error('an invalid URL was stored');

        // Nothing listening: the note, and the offline map (land filled again).
        const dead = `http://127.0.0.1:${await closedPort()}`;
        deadTileOrigins.push(dead);
        await urlInput.fill(`${dead}/tiles/{z}/{x}/{y}.png`);
        await page.getByTestId('map-tiles-apply').click();
        if (await err.count()) throw new Error('error still shown after a valid URL');
        const note = page.getByTestId('map-tiles-offline');
        await note.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {
          throw new Error(`no map-tiles-offline note with ${dead} (closed port) within 10 s`);
        });
        const noteText = ((await note.textContent()) ?? '').trim();
        if (!/not reachable/.test(noteText)) throw new Error(`offline note "${noteText}"`);
        const down = await tileState();
        if (!down.land || down.landFill !== '1') throw new Error(`offline map with unreachable tiles: ${down.land} land path(s), fill-opacity ${down.landFill}`);
        if ((await mapTiles()) !== 'offline') throw new Error(`data-tiles=${await mapTiles()} with unreachable tiles`);
        if (!(await page.locator(MAP_POINTS).count())) throw new Error('markers gone with unreachable tiles');

        // Ticked and the URL survive a reload; unticking removes the tiles and their credit.
        await page.reload({ waitUntil: 'domcontentloaded' });
        await toggle.waitFor({ state: 'visible', timeout: 15_000 });
        if (!(await toggle.isChecked())) throw new Error('Online map tiles unticked after a reload');
        if ((await urlInput.inputValue()) !== `${dead}/tiles/{z}/{x}/{y}.png`) throw new Error(`tile URL after a reload: "${await urlInput.inputValue()}"`);
        await toggle.uncheck();
        await page.waitForFunction(() => !document.querySelector('.leaflet-tile-pane img'), null, { timeout: 5_000 });
        const gone = await tileState();
        if (/Map tiles|OpenStreetMap/.test(gone.attribution + gone.note)) throw new Error(`tile credit left after unticking: "${gone.attribution}"`);
        if ((await page.evaluate(() => localStorage.getItem('purehealth.mapTiles'))) !== '0') throw new Error('purehealth.mapTiles not 0 after unticking');
        return `${count} tile(s) served from ${host} under ${on.land} outline path(s); OpenStreetMap tried ${osm}× (no internet); missing {y} named; closed port → "${noteText}"; off again`;
      } finally {
        // Later steps and screenshots are offline-only whatever happened above.
        await page.evaluate(() => {
          localStorage.setItem('purehealth.mapTiles', '0');
          localStorage.removeItem('purehealth.mapTilesUrl');
        });
        if (await toggle.isChecked({ timeout: 1_000 }).catch(() => false)) await toggle.uncheck();
        await page.unroute('https://tile.openstreetmap.org/**');
        await page.getByTestId('nav-list').click();
        await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
      }
    });
  } else console.log('SKIP map online tiles (E2E_TILES_URL not set; scripts/test.sh serves tiles from tests/e2e/stac-replay.mjs)');

  await step('dark theme and Hindi (persisted)', async () => {
    await page.getByTestId('theme-select').selectOption('dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, { timeout: 2_000 });
    await shot('list-dark.png');
    await page.getByTestId('lang-select').selectOption('hi');
    await page.waitForFunction(() => document.documentElement.lang === 'hi', null, { timeout: 2_000 });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    const st = await page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      lang: document.documentElement.lang,
      bg: getComputedStyle(document.body).backgroundColor || getComputedStyle(document.documentElement).backgroundColor,
      nav: document.querySelector('[data-testid=nav-map]')?.textContent?.trim(),
      count: document.querySelector('[data-testid=station-count]')?.textContent?.trim(),
    }));
    await shot('list-dark-hi.png');
    await rows.first().click();
    await page.locator('[data-testid^=chart-] canvas').first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForTimeout(300);
    await shot('station-dark-hi.png');
    await page.getByTestId('nav-map').click();
    await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(500);
    await shot('map-dark-hi.png');
    await page.getByTestId('lang-select').selectOption('en');
    await page.getByTestId('theme-select').selectOption('system');
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    if (st.theme !== 'dark' || st.lang !== 'hi') throw new Error(`after reload: theme=${st.theme} lang=${st.lang}`);
    if (st.nav !== 'नक्शा') throw new Error(`map tab reads "${st.nav}"`);
    if (/[\u0966-\u096F]/.test(st.count ?? '')) throw new Error(`Devanagari digits in "${st.count}"`);
    return `after reload: ${st.theme}/${st.lang}, "${st.count}"`;
  });

  await step('keyboard: Enter on a focused row opens it', async () => {
    await rows.first().focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('station-view').waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByTestId('back-button').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
  });

  await step('phone-size layout (390x844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.screenshot({ path: path.join(ARTIFACTS, 'list-phone.png'), fullPage: false });
    if (overflow > 1) throw new Error(`horizontal overflow of ${overflow}px`);
    return 'no horizontal overflow';
  });

  await step('phone-size station and map views', async () => {
    await rows.first().click();
    await page.locator('[data-testid^=chart-] canvas').first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForTimeout(300);
    const o1 = await overflowX();
    await shot('station-phone.png', false);
    await page.getByTestId('nav-map').click();
    await page.locator(MAP_POINTS).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(500);
    const o2 = await overflowX();
    await shot('map-phone.png', false);
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    if (o1 > 1 || o2 > 1) throw new Error(`horizontal overflow: station ${o1}px, map ${o2}px`);
    return 'no horizontal overflow';
  });

  await step('phone-size forecast and health views', async () => {
    let o1 = 0;
    if (forecastParam) {
      await openStation(FORECAST_STATION);
      const panel = page.locator('[data-testid=forecast-panel]').first();
      await panel.waitFor({ state: 'visible', timeout: 15_000 });
      await page.getByTestId('forecast-section').scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      o1 = await overflowX();
      await shot('station-forecast-phone.png', false);
    }
    await page.getByTestId('nav-health').click();
    await waitHealthLoaded();
    const o2 = await overflowX();
    await shot('health-phone.png', false);
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    if (o1 > 1 || o2 > 1) throw new Error(`horizontal overflow: forecast ${o1}px, health ${o2}px`);
    return forecastParam ? 'no horizontal overflow' : 'no forecast panel (see above): health view only; no horizontal overflow';
  });

  await step('phone-size time range and replay views', async () => {
    await openStation(FORECAST_STATION);
    await page.getByTestId('range-30d').check();
    await waitRange('30d');
    // Range selector and the first charts at the top, below the sticky header.
    await page.evaluate(() => {
      document.querySelector('[data-testid=range-selector]')?.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -(document.querySelector('header')?.offsetHeight ?? 0) - 40);
    });
    await page.waitForTimeout(300);
    const o1 = await overflowX();
    await shot('station-range-phone.png', false);
    await page.getByTestId('nav-replay').click();
    await page.getByTestId('replay-view').waitFor({ state: 'visible', timeout: 5_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-station]')?.value, null, { timeout: 10_000 });
    await page.getByTestId('replay-station').selectOption(FORECAST_STATION);
    const win = await replayWindow(REPLAY_HOURS);
    await page.getByTestId('replay-from').fill(win.from);
    await page.getByTestId('replay-to').fill(win.to);
    await page.getByTestId('replay-speed').selectOption('3600');
    await page.getByTestId('replay-play').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=replay-view]')?.getAttribute('data-applied')) > 0, null, { timeout: 10_000 });
    if ((await page.getByTestId('replay-view').getAttribute('data-state')) === 'playing') await page.getByTestId('replay-pause').click();
    await page.evaluate(() => {
      document.querySelector('[data-testid=replay-clock]')?.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -(document.querySelector('header')?.offsetHeight ?? 0) - 16);
    });
    await page.waitForTimeout(300);
    const o2 = await overflowX();
    await shot('replay-phone.png', false);
    await page.getByTestId('replay-stop').click();
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    if (o1 > 1 || o2 > 1) throw new Error(`horizontal overflow: time range ${o1}px, replay ${o2}px`);
    return 'no horizontal overflow';
  });

  await step('phone-size catalogue, area summary, "All sources" and connectors', async () => {
    const over = {};
    await page.getByTestId('nav-catalogue').click();
    await waitCatalogue();
    await page.getByTestId('catalogue-row').first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    over.catalogue = await overflowX();
    await shot('catalogue-phone.png', false);
    await page.evaluate((r) => (window.location.hash = `#/river/${encodeURIComponent(r)}`), AREA_RIVER);
    await waitArea();
    over.area = await overflowX();
    await shot('area-phone.png', false);
    await openStation(FORECAST_STATION);
    await waitComprehensive();
    await scrollToTestId('comprehensive');
    await page.waitForTimeout(300);
    over.sources = await overflowX();
    await shot('station-sources-phone.png', false);
    await page.getByTestId('nav-health').click();
    await waitHealthLoaded();
    await page.getByTestId('connectors').waitFor({ state: 'visible', timeout: 5_000 });
    await scrollToTestId('connectors');
    await page.waitForTimeout(200);
    over.connectors = await overflowX();
    await shot('connectors-phone.png', false);
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    const bad = Object.entries(over).filter(([, v]) => v > 1);
    if (bad.length) throw new Error(`horizontal overflow: ${bad.map(([k, v]) => `${k} ${v}px`).join(', ')}`);
    return 'no horizontal overflow';
  });

  await step('phone-size pair view and Devices panel', async () => {
    await page.evaluate(() => (window.location.hash = '#/pair'));
    await page.getByTestId('pair-form').waitFor({ state: 'visible', timeout: 5_000 });
    const o1 = await overflowX();
    await shot('pair-phone.png', false);
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByTestId('settings-pairing-toggle').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=pairing-panel]')?.getAttribute('data-state') === 'trusted', null, { timeout: 5_000 });
    await page.getByTestId('pair-start').click();
    await page.getByTestId('pair-code').waitFor({ state: 'visible', timeout: 5_000 });
    const o2 = await overflowX();
    await shot('pairing-settings-phone.png', false);
    await page.getByTestId('settings-pairing-toggle').click(); // closes it
    if (o1 > 1 || o2 > 1) throw new Error(`horizontal overflow: pair view ${o1}px, Devices panel ${o2}px`);
    return 'no horizontal overflow';
  });

  await step('dark colour scheme renders', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.screenshot({ path: path.join(ARTIFACTS, 'list-phone-dark.png'), fullPage: false });
    await page.emulateMedia({ colorScheme: 'light' });
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    if (r + g + b > 200) throw new Error(`background is ${bg}, expected a dark colour`);
    return bg;
  });

  await page.setViewportSize({ width: 1280, height: 860 });
  if (HUB_RESTART_CMD) {
    await step('reconnection after the hub restarts', async () => {
      await installSnap();
      await page.evaluate(() => {
        window.__e2eStates = [];
        const el = document.querySelector('[data-testid=conn-state]');
        const rec = () => window.__e2eStates.push(el.textContent.trim());
        new MutationObserver(rec).observe(el, { childList: true, characterData: true, subtree: true });
      });
      restarting = true;
      const t0 = Date.now();
      const code = await new Promise((resolve, reject) => {
        const child = spawn('sh', ['-c', HUB_RESTART_CMD], { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('error', reject);
        child.on('exit', (c) => resolve(c));
      });
      if (code !== 0) throw new Error(`HUB_RESTART_CMD exited with ${code}`);
      await page.waitForFunction(() => window.__e2eStates.some((s) => s === 'offline' || s === 'connecting'), null, { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, { timeout: 60_000 });
      const back = Date.now() - t0;
      await page.waitForTimeout(500); // the resync refetch resets data-seq
      restarting = false;
      const before = await page.evaluate(() => window.__e2eSnap());
      const r = await (
        await page.waitForFunction(
          (b) => {
            const now = window.__e2eSnap();
            for (const [id, n] of Object.entries(now)) if (b[id] && n.seq > b[id].seq) return `${id}: seq ${b[id].seq} → ${n.seq}`;
            return null;
          },
          before,
          { timeout: LIVE_TIMEOUT, polling: 250 },
        )
      ).jsonValue();
      const states = await page.evaluate(() => window.__e2eStates.join(' → '));
      return `${states}; live again after ${back} ms; ${r}`;
    });
  } else {
    console.log('SKIP reconnection after the hub restarts (HUB_RESTART_CMD not set)');
  }

  // Criteria profile, table import, display units and "Fetch history" (issue 7 settings). These run last:
  // the import adds NWMP stations to the list, and the earlier steps click the list's first row.
  const waitProfileIdle = async (pg, want) => {
    const st = await (
      await pg.waitForFunction(
        (w) => {
          const el = document.querySelector('[data-testid=profile-control]');
          const s = el?.getAttribute('data-state');
          if (s === 'error' || s === 'unauthorized') return s;
          return s === 'ready' && el.getAttribute('data-profile') === w ? s : null;
        },
        want,
        { timeout: 10_000 },
      )
    ).jsonValue();
    if (st !== 'ready') {
      const msg = ((await pg.locator('[data-testid=profile-control] [role=alert]').first().textContent().catch(() => '')) ?? '').trim();
      throw new Error(`profile-control is ${st}: "${msg}"`);
    }
  };
  const stationApi = (id) => getApi(`/api/stations/${encodeURIComponent(id)}`, 'this hub does not know the station');

  await step(`criteria profile: ${PROFILE_STATION} → cpcb.dbu.C and back (POST /api/stations/{id}/profile, station_profile frame)`, async () => {
    const profiles = await getApi('/api/profiles', 'this hub has no /api/profiles endpoint');
    if (!Array.isArray(profiles) || profiles[0]?.id !== 'legacy.purehealth_v6') throw new Error(`GET /api/profiles does not start with legacy.purehealth_v6: ${JSON.stringify(profiles).slice(0, 120)}`);
    if (!profiles.some((p) => p.id === 'cpcb.dbu.C')) throw new Error('GET /api/profiles has no cpcb.dbu.C');
    let orig = (await stationApi(PROFILE_STATION)).profile ?? 'legacy.purehealth_v6';
    if (orig === 'cpcb.dbu.C') {
      // An interrupted earlier run left it there: back to the original table first (through the API).
      const res = await page.request.post(`${base}/api/stations/${encodeURIComponent(PROFILE_STATION)}/profile`, { data: { profile: 'legacy.purehealth_v6' } });
      if (!res.ok()) throw new Error(`${PROFILE_STATION} is graded under cpcb.dbu.C and resetting it failed: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
      orig = 'legacy.purehealth_v6';
    }
    await openStation(PROFILE_STATION);
    await waitProfileIdle(page, orig);
    const select = page.getByTestId('profile-select');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
    const ids = [...new Set(profiles.map((p) => p.id))]; // the hub lists legacy.purehealth_v6 twice; the select once
    if (options.join() !== ids.join()) throw new Error(`profile options ${options.join(', ')} ≠ GET /api/profiles ${ids.join(', ')}`);
    if ((await select.inputValue()) !== orig) throw new Error(`profile-select shows ${await select.inputValue()}, the API ${orig}`);
    const label = (await select.locator('option[value="cpcb.dbu.C"]').textContent())?.trim() ?? '';
    const c = profiles.find((p) => p.id === 'cpcb.dbu.C');
    if (!label.includes(c.name) || !label.includes(c.designated_use)) throw new Error(`option label "${label}" lacks the name or designated use`);

    // A second browser on the same station hears of the change through the `station_profile` frame.
    const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const p2 = await ctx2.newPage();
    try {
      await p2.goto(`${base}/#/station/${encodeURIComponent(PROFILE_STATION)}`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      await waitProfileIdle(p2, orig);
      await p2.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent?.trim() === 'live', null, { timeout: 15_000 });

      await select.selectOption('cpcb.dbu.C');
      await waitProfileIdle(page, 'cpcb.dbu.C');
      await page.getByTestId('profile-saved').waitFor({ state: 'visible', timeout: 2_000 });
      let api = await stationApi(PROFILE_STATION);
      if (api.profile !== 'cpcb.dbu.C') throw new Error(`GET /api/stations/${PROFILE_STATION}: profile ${api.profile} after the change`);
      if (!api.limits || !Object.keys(api.limits).length) throw new Error(`GET /api/stations/${PROFILE_STATION}: no limits under cpcb.dbu.C`);
      // Status from the regraded summary (the live feed may move it in between: read the API again once).
      const shownLevel = async () => page.getByTestId('station-summary').getAttribute('data-alert-level');
      if ((await shownLevel()) !== api.alert_level) {
        await page.waitForTimeout(1_000);
        api = await stationApi(PROFILE_STATION);
        if ((await shownLevel()) !== api.alert_level) throw new Error(`alert level shown ${await shownLevel()}, API ${api.alert_level}`);
      }
      // The limit bands follow: every chart of a parameter with limits names the new profile.
      const limited = Object.keys(api.limits);
      const bands = await page
        .locator('[data-testid=station-charts] [data-testid^=chart-][data-bands]')
        .evaluateAll((els) => els.map((e) => ({ p: e.getAttribute('data-testid').slice(6), bands: Number(e.getAttribute('data-bands')), profile: e.querySelector('[data-testid=chart-limits]')?.getAttribute('data-profile') ?? null })));
      const wrong = bands.filter((b) => limited.includes(b.p) && b.bands > 0 && b.profile !== 'cpcb.dbu.C');
      if (wrong.length) throw new Error(`charts still name another profile: ${JSON.stringify(wrong)}`);
      await p2.waitForFunction(() => document.querySelector('[data-testid=profile-control]')?.getAttribute('data-profile') === 'cpcb.dbu.C', null, { timeout: 10_000 });

      await scrollToTestId('station-summary');
      await page.waitForTimeout(300);
      await shot('station-profile-light.png', false);
      await withTheme('dark', () => shot('station-profile-dark.png', false));
      await page.setViewportSize({ width: 390, height: 844 });
      await scrollToTestId('profile-control');
      await page.waitForTimeout(300);
      const over = await overflowX();
      await shot('station-profile-phone.png', false);
      await page.setViewportSize({ width: 1280, height: 860 });
      if (over > 1) throw new Error(`horizontal overflow of ${over}px on a phone`);

      // And back.
      await page.getByTestId('profile-select').selectOption(orig);
      await waitProfileIdle(page, orig);
      const back = await stationApi(PROFILE_STATION);
      if ((back.profile ?? 'legacy.purehealth_v6') !== orig) throw new Error(`GET /api/stations/${PROFILE_STATION}: profile ${back.profile} after changing back to ${orig}`);
      await p2.waitForFunction((o) => document.querySelector('[data-testid=profile-control]')?.getAttribute('data-profile') === o, orig, { timeout: 10_000 });
      const withBands = bands.filter((b) => b.bands > 0).map((b) => b.p);
      return `${orig} → cpcb.dbu.C (alert level ${api.alert_level}; bands on ${withBands.join(', ') || 'no chart'}) → ${orig}; the second browser followed both`;
    } finally {
      await ctx2.close().catch(() => {});
    }
  });

  const openDataPanel = async () => {
    if ((await page.getByTestId('settings-data').getAttribute('open')) === null) await page.getByTestId('settings-data-toggle').click();
    await page.getByTestId('settings-units').waitFor({ state: 'visible', timeout: 2_000 });
  };
  const closeDataPanel = async () => {
    if ((await page.getByTestId('settings-data').getAttribute('open')) !== null) await page.getByTestId('settings-data-toggle').click();
  };
  /** Uploads the fixture from Settings → Units & import and returns the shown result's attributes. */
  const importOnce = async () => {
    await openDataPanel();
    await page.getByTestId('import-section').waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByTestId('import-file').setInputFiles(IMPORT_FIXTURE);
    if ((await page.getByTestId('import-label').inputValue()) !== 'mpcb') throw new Error(`import-label defaults to "${await page.getByTestId('import-label').inputValue()}"`);
    await page.getByTestId('import-submit').click();
    const st = await (
      await page.waitForFunction(
        () => {
          const s = document.querySelector('[data-testid=import-section]')?.getAttribute('data-state');
          return s && s !== 'busy' && s !== 'idle' ? s : null;
        },
        null,
        { timeout: 20_000 },
      )
    ).jsonValue();
    if (st !== 'done') {
      const msg = ((await page.getByTestId('import-section').locator('[role=alert]').first().textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
      throw new Error(`import-section is ${st}: "${msg}"`);
    }
    const r = page.getByTestId('import-result');
    const attrs = await r.evaluate((e) => ({ ...e.dataset }));
    const skipped = await page.locator('[data-testid=import-skipped] li').allTextContents();
    return { ...attrs, skipped: skipped.map((x) => x.trim()) };
  };

  await step('import a station table from Settings (nwmp_table, 3 stations; again: 0 new; NWMP-2179 exists)', async () => {
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    const first = await importOnce();
    if (first.layout !== 'nwmp_table' || first.stations !== '3') throw new Error(`first import: ${JSON.stringify(first)}`);
    if (!first.skipped.some((x) => /criteria row/.test(x))) throw new Error(`skipped reasons ${JSON.stringify(first.skipped)} lack the criteria row`);
    await shot('import-light.png', false);
    await withTheme('dark', () => shot('import-dark.png', false));
    await openDataPanel();
    const second = await importOnce();
    if (second.layout !== 'nwmp_table' || second.stations !== '3' || second.new !== '0') throw new Error(`second import: ${JSON.stringify(second)}`);
    // The same file through the API (a third import): every number the UI showed, and the skipped reasons.
    const res = await page.request.post(`${base}/api/import?label=mpcb`, { data: readFileSync(IMPORT_FIXTURE), headers: { 'content-type': 'text/csv' } });
    if (!res.ok()) throw new Error(`POST /api/import: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
    const api = await res.json();
    for (const [k, v] of Object.entries({ layout: api.layout, rows: api.rows, stations: api.stations, observations: api.observations, new: api.new })) {
      if (String(v) !== second[k]) throw new Error(`import-result data-${k}=${second[k]}, API ${v}`);
    }
    if (second.skipped.join('|') !== api.skipped.slice(0, 10).join('|')) throw new Error(`skipped ${JSON.stringify(second.skipped)} ≠ API ${JSON.stringify(api.skipped)}`);
    const nwmp = await stationApi('NWMP-2179');
    if (nwmp.id !== 'NWMP-2179') throw new Error(`GET /api/stations/NWMP-2179: ${JSON.stringify(nwmp).slice(0, 120)}`);
    // The list was re-read after the import.
    const total = (await getJson(`${base}/api/stations`)).length;
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=station-count]')?.getAttribute('data-total')) === n, total, { timeout: 5_000 });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const over = await overflowX();
    await shot('import-phone.png', false);
    await page.setViewportSize({ width: 1280, height: 860 });
    await closeDataPanel();
    if (over > 1) throw new Error(`horizontal overflow of ${over}px on a phone`);
    return `first: ${first.rows} rows, ${first.stations} stations, ${first.observations} values, ${first.new} new; again: ${second.new} new; NWMP-2179 "${nwmp.name}" (source ${nwmp.source}); ${total} stations listed`;
  });

  await step(`units: temperature in °F in the station view of ${PROFILE_STATION}, then °C again`, async () => {
    await openDataPanel();
    const sel = page.getByTestId('setting-temperature-unit');
    if ((await sel.inputValue()) !== 'C') throw new Error(`temperature unit defaults to ${await sel.inputValue()}`);
    await sel.selectOption('F');
    const stored = await page.evaluate(() => localStorage.getItem('purehealth.temperatureUnit'));
    if (stored !== 'F') throw new Error(`localStorage purehealth.temperatureUnit = ${stored}`);
    await closeDataPanel();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await openStation(PROFILE_STATION);
    const reading = page.locator('[data-testid=station-view] [data-testid=reading-temperature]');
    await reading.waitFor({ state: 'visible', timeout: 10_000 });
    const shown = async () => ({ unit: await reading.getAttribute('data-unit'), value: Number(((await reading.locator('.v').textContent()) ?? '').replace(/,/g, '')) });
    const fromApi = async () => (await stationApi(PROFILE_STATION)).latest?.temperature?.value;
    let f = await shown();
    if (f.unit !== '°F' || !((await reading.textContent()) ?? '').includes('°F')) throw new Error(`reading-temperature after a reload: ${JSON.stringify(f)} "${await reading.textContent()}"`);
    let c = await fromApi();
    if (Math.abs(f.value - (c * 9) / 5 - 32) > 0.06) {
      await page.waitForTimeout(1_000); // a live reading in between
      f = await shown();
      c = await fromApi();
      if (Math.abs(f.value - (c * 9) / 5 - 32) > 0.06) throw new Error(`shown ${f.value} °F for ${c} °C in the API`);
    }
    const chart = page.locator('[data-testid=station-charts] [data-testid=chart-temperature]');
    await chart.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await chart.getAttribute('data-unit')) !== '°F') throw new Error(`chart-temperature data-unit=${await chart.getAttribute('data-unit')}`);
    await scrollToTestId('station-summary');
    await page.waitForTimeout(300);
    await shot('station-units-f-light.png', false);
    await openDataPanel();
    await page.getByTestId('setting-temperature-unit').selectOption('C');
    await closeDataPanel();
    await page.waitForFunction(() => document.querySelector('[data-testid=station-view] [data-testid=reading-temperature]')?.getAttribute('data-unit') === '°C', null, { timeout: 2_000 });
    if ((await chart.getAttribute('data-unit')) !== '°C') throw new Error(`chart-temperature data-unit=${await chart.getAttribute('data-unit')} after switching back`);
    return `${c} °C shown as ${f.value} °F (reading and chart axis), back to °C`;
  });

  await step(`"Fetch history": ${PROFILE_STATION} (own sensors, located) offers Open-Meteo only; an unlocated imported station has none`, async () => {
    const st = await stationApi(PROFILE_STATION);
    const want = [...(st.source === 'cpcb_rtwqms' ? ['cpcb'] : st.source === 'cwc' ? ['cwc'] : []), ...(st.location ? ['openmeteo'] : [])];
    await openStation(PROFILE_STATION);
    const box = page.getByTestId('backfill');
    if (!want.length) {
      if (await box.count()) throw new Error(`"Fetch history" shown for source ${st.source} without a location`);
      return `source ${st.source}, no location: hidden`;
    }
    await box.waitFor({ state: 'visible', timeout: 5_000 });
    if ((await box.getAttribute('data-sources')) !== want.join(' ')) throw new Error(`data-sources="${await box.getAttribute('data-sources')}", expected "${want.join(' ')}"`);
    await page.getByTestId('backfill-toggle').click();
    await page.getByTestId('backfill-panel').waitFor({ state: 'visible', timeout: 5_000 });
    const opts = await page.getByTestId('backfill-source').locator('option').evaluateAll((os) => os.map((o) => o.value));
    if (opts.join() !== want.join()) throw new Error(`backfill-source options ${opts.join(', ')}, expected ${want.join(', ')}`);
    const days = await page.evaluate(() => {
      const pad = (n) => String(n).padStart(2, '0');
      const f = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      const now = new Date();
      return { from: f(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 30)), to: f(now) };
    });
    const from = await page.getByTestId('backfill-from').inputValue();
    const to = await page.getByTestId('backfill-to').inputValue();
    if (from !== days.from || to !== days.to) throw new Error(`window ${from} … ${to}, expected ${days.from} … ${days.to}`);
    if (await page.getByTestId('backfill-parameters').count()) throw new Error('CPCB parameter codes offered for a non-CPCB source');
    if (!(await page.getByTestId('backfill-start').isVisible())) throw new Error('no Start button in the browser');
    await scrollToTestId('backfill');
    await page.waitForTimeout(200);
    await shot('station-backfill-light.png', false);
    await withTheme('dark', () => shot('station-backfill-dark.png', false));
    await page.setViewportSize({ width: 390, height: 844 });
    await scrollToTestId('backfill');
    await page.waitForTimeout(300);
    const over = await overflowX();
    await shot('station-backfill-phone.png', false);
    await page.setViewportSize({ width: 1280, height: 860 });
    // Not started: the demo has no agency server (and Open-Meteo would need the Internet).
    await page.getByTestId('backfill-toggle').click();
    await openStation('NWMP-2179');
    await page.getByTestId('profile-control').waitFor({ state: 'visible', timeout: 10_000 });
    const other = await stationApi('NWMP-2179');
    if (!other.location && (await page.getByTestId('backfill').count())) throw new Error('"Fetch history" shown for NWMP-2179 (imported, no location)');
    await page.getByTestId('nav-list').click();
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    if (over > 1) throw new Error(`horizontal overflow of ${over}px on a phone`);
    return `${PROFILE_STATION} (source ${st.source}) offers ${opts.join(', ')} over ${from} … ${to}; NWMP-2179 (source ${other.source}, ${other.location ? 'located' : 'no location'}) ${other.location ? 'has it too' : 'has none'}`;
  });

  await step('no uncaught page errors', async () => {
    const bad = consoleErrors.filter((e) => !expectedError(e));
    if (bad.length) throw new Error(bad.slice(0, 3).join(' | '));
  });
} catch (e) {
  if (e?.message !== 'abort') {
    failures += 1;
    console.log(`FAIL unexpected — ${e?.message ?? e}`);
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close().catch(() => {});
}

console.log(failures === 0 ? `PASS browser e2e: all ${results.length} steps passed` : `FAIL browser e2e: ${failures} step(s) failed`);
console.log(`screenshots: ${ARTIFACTS}`);
process.exit(failures === 0 ? 0 : 1);

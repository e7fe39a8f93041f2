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
//
// playwright-core is resolved from ui/node_modules (a devDependency of ui/), so
// run `npm ci` in ui/ first. Exit code: 0 when every step passed, 1 otherwise.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../ui/package.json'));
const { chromium } = require('playwright-core');

const HUB_URL = process.env.HUB_URL;
const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(here, 'artifacts');
const LIVE_TIMEOUT = Number(process.env.E2E_LIVE_TIMEOUT_MS || 30_000);
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
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const page = await context.newPage();
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const rows = page.locator('[data-testid=station-row]');

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
    return `${await rows.count()} station(s)`;
  });
  if (!haveRows) throw new Error('abort');

  await step('live update reaches a row (data-seq increases)', async () => {
    // Installed in the page so the before/after snapshots use the same code.
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

  await page.screenshot({ path: path.join(ARTIFACTS, 'list.png'), fullPage: true });

  await step('search filters the list', async () => {
    const total = await rows.count();
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
    const byId = await rows.count();
    await search.fill('zz-no-such-station-zz');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=station-row]').length === 0, null, { timeout: 5_000 });
    await search.fill('');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=station-row]').length === n, total, { timeout: 5_000 });
    return `"${id}" → ${byId} of ${total}; nonsense → 0; cleared → ${total} (first row "${name}")`;
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
    await page.screenshot({ path: path.join(ARTIFACTS, 'station.png'), fullPage: true });
    await step('back button returns to the list', async () => {
      await page.getByTestId('back-button').click();
      await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
    });
  }

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

  await step('dark colour scheme renders', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.screenshot({ path: path.join(ARTIFACTS, 'list-phone-dark.png'), fullPage: false });
    await page.emulateMedia({ colorScheme: 'light' });
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    if (r + g + b > 200) throw new Error(`background is ${bg}, expected a dark colour`);
    return bg;
  });

  await step('no uncaught page errors', async () => {
    const bad = consoleErrors.filter((e) => !/WebSocket connection to .* failed/i.test(e));
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

#!/usr/bin/env node
// Desktop end-to-end smoke test: drives the real Tauri app through tauri-driver
// (WebDriver over plain HTTP; Node >= 20 `fetch`, no extra dependencies).
//
// Environment:
//   APP_BINARY          absolute path of the built app binary (required), e.g. target/debug/purehealth
//   TAURI_DRIVER_PORT   tauri-driver port (default 4444)
//   TAURI_DRIVER_URL    full driver URL (overrides the port), e.g. http://127.0.0.1:4444
//   E2E_ARTIFACTS       screenshot directory (default tests/e2e/artifacts next to this script)
//   E2E_ROW_TIMEOUT_MS  how long to wait for the first station row (default 60000)
//
// The caller starts Xvfb (DISPLAY), tauri-driver (with WebKitWebDriver on PATH)
// and whatever the app needs (hub config, data dir). This script only talks to
// tauri-driver: create session → wait for [data-testid=station-row] → assert
// conn-state is "live" → screenshot → delete session. Exit 0 on success, 1 on
// a failed check, 2 on bad configuration.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const DRIVER = (process.env.TAURI_DRIVER_URL || `http://127.0.0.1:${process.env.TAURI_DRIVER_PORT || 4444}`).replace(/\/$/, '');
const APP_BINARY = process.env.APP_BINARY;
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(here, 'artifacts');
const ROW_TIMEOUT = Number(process.env.E2E_ROW_TIMEOUT_MS || 60_000);
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

if (!APP_BINARY) {
  console.error('FAIL setup: APP_BINARY is not set (absolute path of the Tauri app binary)');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class WebDriverError extends Error {
  constructor(status, error, message) {
    super(`${status} ${error}: ${message}`);
    this.error = error;
  }
}

async function wd(method, route, body, timeoutMs = 30_000) {
  const res = await fetch(`${DRIVER}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(res.status, 'invalid response', text.slice(0, 200));
  }
  if (!res.ok || (json.value && json.value.error)) {
    throw new WebDriverError(res.status, json.value?.error ?? 'unknown error', json.value?.message ?? text.slice(0, 200));
  }
  return json.value;
}

/** Polls `fn` until it returns a truthy value, retrying on WebDriver "no such element"-style errors. */
async function poll(what, timeoutMs, fn, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
      if (e instanceof WebDriverError && !/no such element|stale element/.test(e.error)) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last.message})` : ''}`);
    await sleep(intervalMs);
  }
}

let failures = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    console.log(`PASS ${name} (${Date.now() - t0} ms)${detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name} (${Date.now() - t0} ms) — ${e?.message ?? e}`);
    return false;
  }
}

const find = (sid, css) => wd('POST', `/session/${sid}/element`, { using: 'css selector', value: css }).then((v) => v[ELEMENT_KEY]);
const text = (sid, el) => wd('GET', `/session/${sid}/element/${el}/text`);

let sessionId = null;
try {
  await step(`tauri-driver reachable at ${DRIVER}`, () =>
    poll('tauri-driver /status', 30_000, async () => {
      try {
        await fetch(`${DRIVER}/status`, { signal: AbortSignal.timeout(2_000) });
        return true;
      } catch {
        return false; // connection refused while the driver starts
      }
    }).then(() => ''),
  ).then((ok) => {
    if (!ok) throw new Error('abort');
  });

  const created = await step('create session (launch app)', async () => {
    const v = await wd(
      'POST',
      '/session',
      { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: APP_BINARY } } } },
      120_000,
    );
    sessionId = v.sessionId;
    if (!sessionId) throw new Error(`no sessionId in ${JSON.stringify(v).slice(0, 200)}`);
    return `session ${sessionId}`;
  });
  if (!created) throw new Error('abort');

  await step('station row rendered', async () => {
    await poll('[data-testid=station-row]', ROW_TIMEOUT, () => find(sessionId, '[data-testid=station-row]'));
    const rows = await wd('POST', `/session/${sessionId}/elements`, { using: 'css selector', value: '[data-testid=station-row]' });
    return `${rows.length} station(s)`;
  });

  await step('connection state is live', async () => {
    let seen = '';
    await poll('conn-state == live', 10_000, async () => {
      seen = (await text(sessionId, await find(sessionId, '[data-testid=conn-state]'))).trim();
      return seen === 'live';
    }).catch((e) => {
      throw new Error(`conn-state is "${seen}" — ${e.message}`);
    });
  });

  // A critically low oxygen reading raises an alarm; the app shows it as a desktop
  // notification through the session's notification daemon (dunst, started by scripts/test.sh).
  if (process.env.E2E_NOTIFY_CHECK) {
    await step('alarm shown as a desktop notification, acknowledged from it', async () => {
      const { execFileSync } = await import('node:child_process');
      execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', process.env.E2E_BROKER_PORT, '-q', '1',
        '-i', 'purehealth-tauri-e2e', '-t', 'purehealth/tauri-e2e-river/do', '-m', '{"value": 1.5, "unit": "mg/L"}']);
      // Displayed on the daemon...
      await poll('notification displayed', 20_000, async () =>
        Number(execFileSync('dunstctl', ['count', 'displayed']).toString().trim()) >= 1);
      // ...its default action ("Acknowledge") acknowledges the alarm in the app's core. Another
      // alarm's notification (the demo's) may be on top: act on the topmost until ours is
      // acknowledged (acting closes a notification, so the next one comes up).
      const hub = `http://${process.env.PUREHEALTH_LISTEN}`;
      const ours = async () => {
        const list = await (await fetch(`${hub}/api/alerts?state=acknowledged`)).json();
        return list.find((a) => a.station_id === 'tauri-e2e-river' && a.acknowledged_by === 'desktop notification');
      };
      let acked = null;
      await poll('alarm acknowledged by the notification action', 20_000, async () => {
        acked = await ours();
        if (acked) return true;
        if (Number(execFileSync('dunstctl', ['count', 'displayed']).toString().trim()) < 1) return false;
        execFileSync('dunstctl', ['action', '0']);
        await sleep(700);
        acked = await ours();
        return Boolean(acked);
      });
      // Displayed notifications enter the history once closed (critical ones never time out).
      execFileSync('dunstctl', ['close-all']);
      const out = JSON.parse(execFileSync('dunstctl', ['history']).toString());
      const items = (out.data ?? []).flat();
      const found = items.find((n) => n.appname?.data === 'Pure Health' && /Dissolved Oxygen/.test(n.summary?.data ?? ''));
      if (!found) throw new Error(`no Pure Health notification in dunst history: ${JSON.stringify(items).slice(0, 400)}`);
      return `"${found.summary.data}" — alarm ${acked.id} acknowledged by "${acked.acknowledged_by}"`;
    });
  }

  await step('screenshot', async () => {
    const b64 = await wd('GET', `/session/${sessionId}/screenshot`, undefined, 30_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'tauri-window.png');
    writeFileSync(file, Buffer.from(b64, 'base64'));
    return file;
  });
} catch (e) {
  if (e?.message !== 'abort') {
    failures += 1;
    console.log(`FAIL unexpected — ${e?.message ?? e}`);
  }
} finally {
  if (sessionId) {
    await wd('DELETE', `/session/${sessionId}`, undefined, 15_000).then(
      () => console.log('PASS delete session'),
      (e) => console.log(`WARN delete session failed — ${e.message}`),
    );
  }
}

console.log(failures === 0 ? 'PASS tauri e2e: all steps passed' : `FAIL tauri e2e: ${failures} step(s) failed`);
process.exit(failures === 0 ? 0 : 1);

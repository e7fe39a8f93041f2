import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { observable } from './observable';
import type { ConnectionState, HubMessage } from './types';
import { RpcError, isBadRequest, isNotFound, isUnauthorized } from './types';
import {
  BACKOFF_MAX_MS,
  PING_INTERVAL_MS,
  backfillBody,
  backoffDelay,
  catalogueSearch,
  createWsBackend,
  daysQuery,
  parseFrame,
  wsUrl,
  type SocketLike,
} from './ws';

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    if (this.readyState !== 1) throw new Error('send before open');
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  // test helpers
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
  frame(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
}

function setup(token: { value: string | null } = { value: null }) {
  const state = observable<ConnectionState>('connecting');
  const states: ConnectionState[] = [];
  state.subscribe((s) => states.push(s));
  const fetchMock = vi.fn<typeof fetch>();
  const backend = createWsBackend({
    origin: 'http://hub.local:8080/index.html',
    state,
    createSocket: (url) => new FakeSocket(url),
    fetch: fetchMock,
    random: () => 1, // upper edge of the jitter: delay == base
    token: () => token.value,
  });
  const got: HubMessage[] = [];
  backend.subscribe((m) => got.push(m));
  return { state, states, backend, got, fetchMock, last: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('starts at 0.5 s, doubles, and caps at 15 s', () => {
    const top = (n: number) => backoffDelay(n, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });
  it('applies jitter within [base/2, base]', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(3, () => 0)).toBe(2000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(40);
      expect(d).toBeGreaterThanOrEqual(BACKOFF_MAX_MS / 2);
      expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
    }
  });
});

describe('wsUrl', () => {
  it('follows the page protocol', () => {
    expect(wsUrl('http://127.0.0.1:18080/')).toBe('ws://127.0.0.1:18080/ws');
    expect(wsUrl('https://hub.example/app/index.html#/station/x')).toBe('wss://hub.example/ws');
  });
  it('carries a device token as ?token= (and nothing without one)', () => {
    const tok = 'ab'.repeat(32);
    expect(wsUrl('http://127.0.0.1:18080/?x=1#/pair', tok)).toBe(`ws://127.0.0.1:18080/ws?token=${tok}`);
    expect(wsUrl('http://127.0.0.1:18080/', null)).toBe('ws://127.0.0.1:18080/ws');
    expect(wsUrl('http://127.0.0.1:18080/', '')).toBe('ws://127.0.0.1:18080/ws');
  });
});

describe('WebSocket backend', () => {
  it('connects lazily and is live only after open, then subscribes to all stations', () => {
    const { states, last } = setup();
    const s = last();
    expect(s.url).toBe('ws://hub.local:8080/ws');
    expect(states).toEqual(['connecting']);
    expect(s.sent).toEqual([]);
    s.open();
    expect(states).toEqual(['connecting', 'live']);
    expect(s.sent).toEqual([{ type: 'subscribe', station_id: '*' }]);
  });

  it('reconnects with exponential backoff, resubscribes and emits resync on every open', () => {
    const { states, got, last } = setup();
    last().open();
    expect(got.filter((m) => m.type === 'resync')).toHaveLength(1);

    last().drop();
    expect(states.at(-1)).toBe('offline');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(states.at(-1)).toBe('connecting');

    // The second attempt fails without ever opening: the delay doubles.
    last().drop();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);

    last().open();
    expect(states.at(-1)).toBe('live');
    expect(last().sent).toEqual([{ type: 'subscribe', station_id: '*' }]);
    expect(got.filter((m) => m.type === 'resync')).toHaveLength(2);

    // A successful open resets the backoff.
    last().drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('never schedules more than one reconnect and stops on stop()', () => {
    const { backend, last, states } = setup();
    last().drop();
    last().onclose?.({}); // duplicate close event
    vi.advanceTimersByTime(600);
    expect(FakeSocket.all).toHaveLength(2);
    backend.stop();
    expect(last().closed).toBe(true);
    expect(states.at(-1)).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('pings every 20 s while open and stops pinging after close', () => {
    const { last } = setup();
    const s = last();
    s.open();
    vi.advanceTimersByTime(PING_INTERVAL_MS * 2);
    expect(s.sent.filter((m) => (m as { type: string }).type === 'ping')).toHaveLength(2);
    s.drop();
    const before = s.sent.length;
    vi.advanceTimersByTime(PING_INTERVAL_MS * 3);
    expect(s.sent.length).toBe(before);
  });

  it('dispatches valid frames to every handler and ignores malformed ones', () => {
    const { backend, got, last } = setup();
    const other: HubMessage[] = [];
    backend.subscribe(() => {
      throw new Error('a broken handler must not starve the others');
    });
    backend.subscribe((m) => other.push(m));
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const s = last();
    s.open();
    const update = { type: 'station_update', station_id: 1, timestamp: 't', data: { station_id: 'a', seq: 1 } };
    s.frame('not json {');
    s.frame('[1,2]');
    s.frame('42');
    s.frame('null');
    s.frame({ no: 'type' });
    s.frame({ type: 7 });
    s.frame({ type: 'station_update', data: 'oops' });
    s.frame({ type: 'alert', alert: null });
    s.frame({ type: 'resync' }); // only the transport may produce resync
    s.onmessage?.({ data: new ArrayBuffer(4) });
    s.frame(update);
    spy.mockRestore();
    const real = got.filter((m) => m.type !== 'resync');
    expect(real).toEqual([update]);
    expect(other.filter((m) => m.type !== 'resync')).toEqual([update]);
  });

  it('unsubscribe stops delivery', () => {
    const { backend, last } = setup();
    const seen: HubMessage[] = [];
    const off = backend.subscribe((m) => seen.push(m));
    last().open();
    off();
    last().frame({ type: 'pong' });
    expect(seen.map((m) => m.type)).toEqual(['resync']);
  });

  it('ignores events from a superseded socket', () => {
    const { got, last, states } = setup();
    const first = last();
    first.drop();
    vi.advanceTimersByTime(500);
    first.frame({ type: 'pong' });
    first.onclose?.({});
    expect(got).toEqual([]);
    expect(states.at(-1)).toBe('connecting');
  });
});

describe('REST', () => {
  it('fetches the station list and readings from the page origin', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('[{"id":"a"}]', { status: 200 }));
    await expect(backend.listStations()).resolves.toEqual([{ id: 'a' }]);
    expect(fetchMock.mock.calls[0][0]).toBe('http://hub.local:8080/api/stations');

    fetchMock.mockResolvedValueOnce(new Response('{"points":[]}', { status: 200 }));
    await backend.stationReadings('MH/1 x', 'ph', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
    const url = new URL(String(fetchMock.mock.calls[1][0]));
    expect(url.pathname).toBe('/api/stations/MH%2F1%20x/readings');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      parameter: 'ph',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
    });
  });

  it('rejects on HTTP errors', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('nope', { status: 503 }));
    await expect(backend.listStations()).rejects.toThrow(/503/);
  });
});

describe('alarm REST calls', () => {
  const alarm = { id: 7, station_id: 'MH/1', parameter: 'ph', state: 'acknowledged', acknowledged_by: 'asha' };

  it('lists alarms, with and without a state filter', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('[{"id":1}]', { status: 200 }));
    await expect(backend.listAlerts('open')).resolves.toEqual([{ id: 1 }]);
    expect(fetchMock.mock.calls[0][0]).toBe('http://hub.local:8080/api/alerts?state=open');
    fetchMock.mockResolvedValueOnce(new Response('[]', { status: 200 }));
    await backend.listAlerts();
    expect(fetchMock.mock.calls[1][0]).toBe('http://hub.local:8080/api/alerts');
  });

  it('acknowledges and resolves with a JSON body {by, note}', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(alarm), { status: 200 }));
    await expect(backend.ackAlert(7, 'asha', 'checked the probe')).resolves.toEqual(alarm);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('http://hub.local:8080/api/alerts/7/ack');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ by: 'asha', note: 'checked the probe' });

    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify({ ...alarm, state: 'resolved' }), { status: 200 }));
    await backend.resolveAlert('7', 'asha', '  ');
    const [url2, init2] = fetchMock.mock.calls[1];
    expect(url2).toBe('http://hub.local:8080/api/alerts/7/resolve');
    expect(JSON.parse(String(init2?.body))).toEqual({ by: 'asha' });
  });

  it('rejects with the hub error {kind, message} and the status', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(
      new Response('{"kind":"conflict","message":"alarm 7 is already acknowledged"}', { status: 409 }),
    );
    const err = await backend.ackAlert(7, 'asha').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ kind: 'conflict', status: 409, message: 'alarm 7 is already acknowledged' });

    fetchMock.mockResolvedValueOnce(new Response('{"kind":"bad_request","message":"unknown state `x`"}', { status: 400 }));
    await expect(backend.listAlerts('x' as never)).rejects.toMatchObject({ kind: 'bad_request', message: 'unknown state `x`' });

    fetchMock.mockResolvedValueOnce(new Response('<html>', { status: 502 }));
    await expect(backend.resolveAlert(7, 'a')).rejects.toThrow(/502/);

    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(backend.resolveAlert(7, 'a')).rejects.toMatchObject({ kind: 'network', message: 'Failed to fetch' });
  });
});

describe('assign REST call', () => {
  const alarm = { id: 7, station_id: 'MH/1', parameter: 'ph', state: 'open', assignee: 'team 2' };

  it('POSTs {assignee, by} to /api/alerts/{id}/assign and returns the alarm', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(alarm), { status: 200 }));
    await expect(backend.assignAlert(7, ' team 2 ', 'asha')).resolves.toEqual(alarm);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('http://hub.local:8080/api/alerts/7/assign');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ assignee: 'team 2', by: 'asha' });
  });

  it('sends assignee null to unassign (also for a blank name)', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ ...alarm, assignee: null }), { status: 200 }));
    await backend.assignAlert('7', null, 'asha');
    await backend.assignAlert('7', '   ', 'asha');
    expect(fetchMock.mock.calls.map((c) => JSON.parse(String(c[1]?.body)))).toEqual([
      { assignee: null, by: 'asha' },
      { assignee: null, by: 'asha' },
    ]);
  });

  it('rejects with the hub error, and names a hub that answers with HTML', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"not_found","message":"no active alarm 9"}', { status: 404 }));
    await expect(backend.assignAlert(9, 'x', 'a')).rejects.toMatchObject({ kind: 'not_found', status: 404, message: 'no active alarm 9' });
    fetchMock.mockResolvedValueOnce(
      new Response('{"kind":"bad_request","message":"`assignee` and `by` are limited to 64 characters"}', { status: 400 }),
    );
    await expect(backend.assignAlert(9, 'x'.repeat(65), 'a')).rejects.toMatchObject({ kind: 'bad_request', status: 400 });
    // An older hub without the route serves index.html for any unknown path, with 200.
    fetchMock.mockResolvedValueOnce(new Response('<!doctype html><html></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const err = await backend.assignAlert(9, 'x', 'a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ kind: 'bad_response', status: 200 });
    expect((err as Error).message).toMatch(/\/api\/alerts\/9\/assign: HTTP 200 but not JSON \(text\/html\)/);
  });
});

describe('analysis and health REST calls', () => {
  const forecast = { station_id: 'apacpwq', parameter: 'dissolved_oxygen', points: [] };

  it('GETs forecast, trend, anomalies and /health from the page origin', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockImplementation(async () => new Response(JSON.stringify(forecast), { status: 200 }));
    await expect(backend.stationForecast('MH/1', 'dissolved_oxygen')).resolves.toEqual(forecast);
    await backend.stationTrend('apacpwq', 'temperature');
    await backend.stationTrend('apacpwq', 'temperature', '2026-01-01T00:00:00Z', '');
    await backend.stationAnomalies('apacpwq', 'chla');
    await backend.health();
    expect(fetchMock.mock.calls.map((c) => String(c[0]))).toEqual([
      'http://hub.local:8080/api/stations/MH%2F1/forecast?parameter=dissolved_oxygen',
      'http://hub.local:8080/api/stations/apacpwq/trend?parameter=temperature',
      'http://hub.local:8080/api/stations/apacpwq/trend?parameter=temperature&from=2026-01-01T00%3A00%3A00Z',
      'http://hub.local:8080/api/stations/apacpwq/anomalies?parameter=chla',
      'http://hub.local:8080/health',
    ]);
  });

  it('rejects with kind, message and status, also for the wrapped {"error": {...}} body', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(
      new Response('{"error":{"kind":"not_found","message":"no forecast for apacpwq dissolved_oxygen yet"}}', { status: 404 }),
    );
    const err = await backend.stationForecast('apacpwq', 'dissolved_oxygen').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ kind: 'not_found', status: 404, message: 'no forecast for apacpwq dissolved_oxygen yet' });
    expect(isNotFound(err)).toBe(true);

    fetchMock.mockResolvedValueOnce(new Response('{"error":{"kind":"bad_request","message":"no model for `ph`"}}', { status: 400 }));
    const bad = await backend.stationForecast('apacpwq', 'ph').catch((e: unknown) => e);
    expect(isBadRequest(bad)).toBe(true);
    expect(isNotFound(bad)).toBe(false);

    // Today's hub answers an unknown route with a plain-text 404.
    fetchMock.mockResolvedValueOnce(new Response('not found', { status: 404 }));
    const plain = await backend.stationForecast('apacpwq', 'temperature').catch((e: unknown) => e);
    expect(plain).toMatchObject({ kind: 'http', status: 404 });
    expect(isNotFound(plain)).toBe(true);

    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(backend.health()).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('forecast verification REST call', () => {
  it('GETs /api/stations/{id}/forecast/verification?parameter=P and passes the reply through', async () => {
    const { backend, fetchMock } = setup();
    const reply = {
      station_id: 'MH/1',
      parameter: 'dissolved_oxygen',
      unit: 'mg/L',
      forecasts_stored: 3,
      horizons: [{ horizon: 7, n: 2, mae: 1.75, coverage_p10_p90: 0.5, coverage_heldout: 0.78, recent: [{ date: '2026-11-25', observed: 3, p10: 5, p50: 6, p90: 7 }] }],
    };
    fetchMock.mockImplementation(async () => new Response(JSON.stringify(reply), { status: 200 }));
    await expect(backend.forecastVerification('MH/1', 'dissolved_oxygen')).resolves.toEqual(reply);
    expect(fetchMock.mock.calls.map((c) => String(c[0]))).toEqual([
      'http://hub.local:8080/api/stations/MH%2F1/forecast/verification?parameter=dissolved_oxygen',
    ]);
  });

  it('rejects 404 and 400 like the forecast endpoint', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"not_found","message":"unknown station x"}', { status: 404 }));
    const nf = await backend.forecastVerification('x', 'temperature').catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(RpcError);
    expect(nf).toMatchObject({ kind: 'not_found', status: 404, message: 'unknown station x' });
    expect(isNotFound(nf)).toBe(true);
    fetchMock.mockResolvedValueOnce(new Response('{"error":{"kind":"bad_request","message":"no model for `ph`"}}', { status: 400 }));
    const bad = await backend.forecastVerification('apacpwq', 'ph').catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(isBadRequest(bad)).toBe(true);
  });
});

describe('series REST call', () => {
  it('GETs /api/stations/{id}/series with parameter, window and resolution (default auto)', async () => {
    const { backend, fetchMock } = setup();
    const reply = { station_id: 'apacpwq', parameter: 'temperature', unit: '°C', resolution: 'hour', points: [{ t: 'T', v: 1, min: 0, max: 2, n: 4 }] };
    fetchMock.mockImplementation(async () => new Response(JSON.stringify(reply), { status: 200 }));
    await expect(backend.stationSeries('MH/1', 'temperature', '2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z')).resolves.toEqual(reply);
    await backend.stationSeries('apacpwq', 'ph', 'F', 'T', 'day');
    const urls = fetchMock.mock.calls.map((c) => new URL(String(c[0])));
    expect(urls[0].pathname).toBe('/api/stations/MH%2F1/series');
    expect(Object.fromEntries(urls[0].searchParams)).toEqual({
      parameter: 'temperature',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-31T00:00:00Z',
      resolution: 'auto',
    });
    expect(urls[1].searchParams.get('resolution')).toBe('day');
  });

  it('rejects a missing endpoint or a bad request with the status', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('not found', { status: 404 }));
    const err = await backend.stationSeries('apacpwq', 'ph', 'F', 'T').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'http', status: 404 });
    expect((err as Error).message).toMatch(/\/series\?.*HTTP 404/);
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"bad_request","message":"from after to"}', { status: 400 }));
    await expect(backend.stationSeries('apacpwq', 'ph', 'T', 'F')).rejects.toMatchObject({ kind: 'bad_request', status: 400, message: 'from after to' });
  });
});

describe('connector, unified-view, area and catalogue REST calls', () => {
  const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });

  it('GETs /api/sources, /api/stations/{id}/comprehensive, the area summaries and /api/catalogue', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockImplementation(async () => ok({}));
    fetchMock.mockResolvedValueOnce(ok([{ id: 'cpcb', state: 'disabled' }]));
    await expect(backend.sources()).resolves.toEqual([{ id: 'cpcb', state: 'disabled' }]);
    await backend.stationComprehensive('MH/1');
    await backend.areaSummary('river', 'Godavari');
    await backend.areaSummary('district', 'Pune City');
    await backend.areaSummary('state', 'Tamil Nadu');
    await backend.catalogue();
    await backend.catalogue({ q: '  godavari ', state: 'Maharashtra', river: '', limit: 200 });
    expect(fetchMock.mock.calls.map((c) => String(c[0]))).toEqual([
      'http://hub.local:8080/api/sources',
      'http://hub.local:8080/api/stations/MH%2F1/comprehensive',
      'http://hub.local:8080/api/rivers/Godavari',
      'http://hub.local:8080/api/districts/Pune%20City',
      'http://hub.local:8080/api/states/Tamil%20Nadu',
      'http://hub.local:8080/api/catalogue',
      'http://hub.local:8080/api/catalogue?q=godavari&state=Maharashtra&limit=200',
    ]);
  });

  it('catalogueSearch leaves out empty parameters', () => {
    expect(catalogueSearch({})).toBe('');
    expect(catalogueSearch({ q: '   ', state: '', river: undefined })).toBe('');
    expect(catalogueSearch({ river: 'Krishna & Bhima', limit: 0 })).toBe('?river=Krishna+%26+Bhima&limit=0');
  });

  it('rejects a missing area with kind not_found and the status, and a hub without the route with HTTP 404', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"not_found","message":"no station on record for river `Nowhere`"}', { status: 404 }));
    const err = await backend.areaSummary('river', 'Nowhere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ kind: 'not_found', status: 404, message: 'no station on record for river `Nowhere`' });
    expect(isNotFound(err)).toBe(true);
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"bad_request","message":"limit: 9000 is more than 5000"}', { status: 400 }));
    await expect(backend.catalogue({ limit: 9000 })).rejects.toMatchObject({ kind: 'bad_request', status: 400 });
    fetchMock.mockResolvedValueOnce(new Response('not found', { status: 404 }));
    await expect(backend.stationComprehensive('apacpwq')).rejects.toMatchObject({ kind: 'http', status: 404 });
    fetchMock.mockResolvedValueOnce(new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    await expect(backend.sources()).rejects.toMatchObject({ kind: 'bad_response', status: 200 });
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(backend.catalogue({ q: 'x' })).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('satellite REST call', () => {
  const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });

  it('GETs /api/stations/{id}/satellite with the id encoded and ?days only when given', async () => {
    const { backend, fetchMock } = setup();
    const reply = { station_id: 'MH/1', enabled: false, scenes: [] };
    fetchMock.mockImplementation(async () => ok(reply));
    await expect(backend.stationSatellite('MH/1')).resolves.toEqual(reply);
    await backend.stationSatellite('apacpwq', 365);
    await backend.stationSatellite('apacpwq', 30.9);
    expect(fetchMock.mock.calls.map((c) => String(c[0]))).toEqual([
      'http://hub.local:8080/api/stations/MH%2F1/satellite',
      'http://hub.local:8080/api/stations/apacpwq/satellite?days=365',
      'http://hub.local:8080/api/stations/apacpwq/satellite?days=30',
    ]);
  });

  it('daysQuery leaves out missing and non-finite days', () => {
    expect(daysQuery()).toBe('');
    expect(daysQuery(Number.NaN)).toBe('');
    expect(daysQuery(7)).toBe('?days=7');
  });

  it('rejects an unknown station and bad days with the hub kind and status', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"not_found","message":"unknown station x"}', { status: 404 }));
    const err = await backend.stationSatellite('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'not_found', status: 404, message: 'unknown station x' });
    expect(isNotFound(err)).toBe(true);
    fetchMock.mockResolvedValueOnce(new Response('{"kind":"bad_request","message":"days: 0 is not 1 to 3650"}', { status: 400 }));
    const bad = await backend.stationSatellite('apacpwq', 0).catch((e: unknown) => e);
    expect(isBadRequest(bad)).toBe(true);
    expect(bad).toMatchObject({ message: 'days: 0 is not 1 to 3650' });
  });
});

describe('device token and pairing', () => {
  const TOKEN = 'c0ffee'.repeat(10) + 'abcd';
  const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
  const auth = (init: RequestInit | undefined) => (init?.headers as Record<string, string> | undefined)?.authorization;

  it('sends Authorization: Bearer on every request when a token exists, and none without', async () => {
    const token = { value: null as string | null };
    const { backend, fetchMock } = setup(token);
    fetchMock.mockImplementation(async () => ok([]));
    await backend.listStations();
    await backend.listAlerts();
    expect(fetchMock.mock.calls.map((c) => auth(c[1]))).toEqual([undefined, undefined]);
    token.value = TOKEN;
    fetchMock.mockClear();
    await backend.listStations();
    await backend.stationReadings('a', 'ph', 'F', 'T');
    await backend.health();
    await backend.ackAlert(1, 'asha');
    await backend.assignAlert(1, 'x', 'asha');
    await backend.revokeDevice(2);
    expect(fetchMock.mock.calls.map((c) => auth(c[1]))).toEqual(Array(6).fill(`Bearer ${TOKEN}`));
    // Content type and accept stay.
    const post = fetchMock.mock.calls[3][1]?.headers as Record<string, string>;
    expect(post).toMatchObject({ accept: 'application/json', 'content-type': 'application/json' });
  });

  it('opens the WebSocket with ?token= when a token exists from the start', () => {
    const { last } = setup({ value: TOKEN });
    expect(last().url).toBe(`ws://hub.local:8080/ws?token=${TOKEN}`);
  });

  it('reconnect(): closes the old socket (its events ignored), connects with the new token, resubscribes, resyncs', () => {
    const token = { value: null as string | null };
    const s = setup(token);
    const first = s.last();
    first.open();
    expect(s.got.filter((m) => m.type === 'resync')).toHaveLength(1);
    token.value = TOKEN;
    s.backend.reconnect?.();
    expect(first.closed).toBe(true);
    expect(FakeSocket.all).toHaveLength(2);
    const second = s.last();
    expect(second.url).toBe(`ws://hub.local:8080/ws?token=${TOKEN}`);
    expect(s.states.at(-1)).toBe('connecting');
    // The old socket's close and frames no longer count.
    first.onclose?.({});
    first.frame({ type: 'pong' });
    expect(s.states.at(-1)).toBe('connecting');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
    second.open();
    expect(second.sent).toEqual([{ type: 'subscribe', station_id: '*' }]);
    expect(s.got.filter((m) => m.type === 'resync')).toHaveLength(2);
    expect(s.got.some((m) => m.type === 'pong')).toBe(false);
    // The usual reconnect logic still applies, with the token.
    second.drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(3);
    expect(s.last().url).toBe(`ws://hub.local:8080/ws?token=${TOKEN}`);
  });

  it('reconnect() during a backoff wait connects at once; after stop() it does nothing', () => {
    const token = { value: null as string | null };
    const s = setup(token);
    s.last().drop(); // waiting 500 ms
    token.value = TOKEN;
    s.backend.reconnect?.();
    expect(FakeSocket.all).toHaveLength(2);
    expect(s.last().url).toContain('?token=');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2); // the pending retry was cancelled
    s.backend.stop();
    s.backend.reconnect?.();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('pairing REST calls: status, start, pair, devices, revoke', async () => {
    const { backend, fetchMock } = setup();
    const start = { code: '123456', expires_at: '2026-11-27T10:05:00Z', links: ['http://192.168.1.5:8080/#/pair/123456'], qr_svg: null, hint: null };
    fetchMock
      .mockResolvedValueOnce(ok({ trusted: false, local: false, device: null }))
      .mockResolvedValueOnce(ok(start))
      .mockResolvedValueOnce(ok({ token: TOKEN, device_id: 4, name: 'Field tablet 3' }))
      .mockResolvedValueOnce(ok([{ id: 4, name: 'Field tablet 3', paired_at: 'T', revoked_at: null }]))
      .mockResolvedValueOnce(ok({ revoked: 4 }));
    await expect(backend.pairStatus()).resolves.toEqual({ trusted: false, local: false, device: null });
    await expect(backend.pairStart()).resolves.toEqual(start);
    await expect(backend.pair('123456', 'Field tablet 3')).resolves.toMatchObject({ token: TOKEN, device_id: 4 });
    await expect(backend.listDevices()).resolves.toHaveLength(1);
    await expect(backend.revokeDevice(4)).resolves.toEqual({ revoked: 4 });
    const calls = fetchMock.mock.calls.map(([url, init]) => [String(url), init?.method ?? 'GET', init?.body === undefined ? undefined : JSON.parse(String(init.body))]);
    expect(calls).toEqual([
      ['http://hub.local:8080/api/pair/status', 'GET', undefined],
      ['http://hub.local:8080/api/pair/start', 'POST', {}],
      ['http://hub.local:8080/api/pair', 'POST', { code: '123456', name: 'Field tablet 3' }],
      ['http://hub.local:8080/api/devices', 'GET', undefined],
      ['http://hub.local:8080/api/devices/4', 'DELETE', undefined],
    ]);
  });

  it('rejects pairing errors with kind, message and status (403, 429, 400, 404, 401)', async () => {
    const { backend, fetchMock } = setup();
    const err = (status: number, kind: string, message: string) => new Response(JSON.stringify({ kind, message }), { status });
    fetchMock.mockResolvedValueOnce(err(403, 'forbidden', 'wrong or expired pairing code'));
    await expect(backend.pair('000000', 'x')).rejects.toMatchObject({ name: 'RpcError', kind: 'forbidden', status: 403, message: 'wrong or expired pairing code' });
    fetchMock.mockResolvedValueOnce(err(429, 'rate_limited', 'too many wrong pairing codes; try again in a minute'));
    await expect(backend.pair('000000', 'x')).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
    fetchMock.mockResolvedValueOnce(err(400, 'bad_request', 'name: give the device a name of 1 to 60 characters'));
    await expect(backend.pair('123456', ' ')).rejects.toMatchObject({ kind: 'bad_request', status: 400 });
    fetchMock.mockResolvedValueOnce(err(404, 'not_found', 'no paired device 9'));
    await expect(backend.revokeDevice(9)).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    fetchMock.mockResolvedValueOnce(err(401, 'unauthorized', 'pair this device first …'));
    const e = await backend.pairStart().catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(isUnauthorized(e)).toBe(true);
  });

  it('a 401 on an alarm action is an RpcError of kind unauthorized', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(
      new Response('{"kind":"unauthorized","message":"pair this device first (a code from Settings → Pair a device …)"}', { status: 401 }),
    );
    const e = await backend.ackAlert(7, 'asha').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(isUnauthorized(e)).toBe(true);
    expect(isUnauthorized(new RpcError('conflict', 'x', 409))).toBe(false);
    expect(isUnauthorized(new RpcError('http', 'x', 401))).toBe(true);
  });

  it('leaves a blank `by` out of alarm bodies (the hub then records the paired device)', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockImplementation(async () => ok({ id: 7 }));
    await backend.ackAlert(7, '');
    await backend.resolveAlert(7, '  ', 'note');
    await backend.assignAlert(7, 'team', '');
    expect(fetchMock.mock.calls.map((c) => JSON.parse(String(c[1]?.body)))).toEqual([{}, { note: 'note' }, { assignee: 'team' }]);
  });
});

describe('parseFrame', () => {
  it('accepts prediction_update with a forecast or predictions object only', () => {
    const f = { parameter: 'temperature', points: [] };
    expect(parseFrame(JSON.stringify({ type: 'prediction_update', station_id: 'a', forecast: f }))?.type).toBe('prediction_update');
    expect(parseFrame(JSON.stringify({ type: 'prediction_update', station_id: 'a', predictions: {} }))?.type).toBe('prediction_update');
    expect(parseFrame(JSON.stringify({ type: 'prediction_update', station_id: 'a', forecasts: [f] }))?.type).toBe('prediction_update');
    expect(parseFrame(JSON.stringify({ type: 'prediction_update', station_id: 'a' }))).toBeNull();
    expect(parseFrame(JSON.stringify({ type: 'prediction_update', forecast: [1] }))).toBeNull();
  });

  it('accepts alert and station_update objects', () => {
    expect(parseFrame('{"type":"alert","alert":{"message":"x"}}')).toEqual({ type: 'alert', alert: { message: 'x' } });
    expect(parseFrame('{"type":"connected","client_id":"client_1"}')?.type).toBe('connected');
  });
});

describe('profiles, backfill and import REST calls', () => {
  const ok = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
  const err = (status: number, kind: string, message: string) => new Response(JSON.stringify({ kind, message }), { status });
  const calls = (m: ReturnType<typeof setup>['fetchMock']) =>
    m.mock.calls.map(([url, init]) => [String(url), init?.method ?? 'GET', typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body]);

  it('GETs /api/profiles and POSTs {profile} to /api/stations/{id}/profile, resolving to the summary', async () => {
    const { backend, fetchMock } = setup();
    const profiles = [
      { id: 'legacy.purehealth_v6', name: 'Original', document: 'd', designated_use: 'default' },
      { id: 'cpcb.dbu.C', name: 'CPCB C', document: 'd', designated_use: 'Drinking-water source after treatment', class: 'C' },
    ];
    const summary = { id: 'MH/1', profile: 'cpcb.dbu.C', alert_level: 'warning', limits: { dissolved_oxygen: { warn_low: 4 } } };
    fetchMock.mockResolvedValueOnce(ok(profiles)).mockResolvedValueOnce(ok(summary));
    await expect(backend.listProfiles()).resolves.toEqual(profiles);
    await expect(backend.setStationProfile('MH/1', 'cpcb.dbu.C')).resolves.toEqual(summary);
    expect(calls(fetchMock)).toEqual([
      ['http://hub.local:8080/api/profiles', 'GET', undefined],
      ['http://hub.local:8080/api/stations/MH%2F1/profile', 'POST', { profile: 'cpcb.dbu.C' }],
    ]);
    expect(fetchMock.mock.calls[1][1]?.headers).toMatchObject({ 'content-type': 'application/json' });
  });

  it('rejects a profile change with kind, message and status (400 unknown profile, 404, 401)', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(err(400, 'bad_request', 'profile: `x` is not a known profile (legacy.purehealth_v6, cpcb.dbu.A)'));
    await expect(backend.setStationProfile('a', 'x')).rejects.toMatchObject({ kind: 'bad_request', status: 400, message: expect.stringContaining('cpcb.dbu.A') });
    fetchMock.mockResolvedValueOnce(err(404, 'not_found', 'unknown station `zz`'));
    await expect(backend.setStationProfile('zz', 'cpcb.dbu.A')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    fetchMock.mockResolvedValueOnce(err(401, 'unauthorized', 'pair this device first'));
    const e = await backend.setStationProfile('a', 'cpcb.dbu.A').catch((x: unknown) => x);
    expect(isUnauthorized(e)).toBe(true);
  });

  it('POSTs a backfill job (parameters only for CPCB) and lists the jobs', async () => {
    const { backend, fetchMock } = setup();
    const job = { current: 'DO', done: 2, total: 2, resumed: 0, readings: 3, new: 3, finished: true, failed_chunks: ['DO: HTTP 404'], absent: [], job: 'cpcb-UT67-2024-07-01-2024-07-31-DO_EC' };
    fetchMock
      .mockResolvedValueOnce(ok({ job: job.job, state: 'started' }, 202))
      .mockResolvedValueOnce(ok({ job: 'openmeteo-apacpwq-2024-07-01-2024-07-31', state: 'started' }, 202))
      .mockResolvedValueOnce(ok([job]));
    await expect(backend.startBackfill({ source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31', parameters: [' DO', 'EC', ''] })).resolves.toEqual({
      job: job.job,
      state: 'started',
    });
    await backend.startBackfill({ source: 'openmeteo', station: 'apacpwq', from: '2024-07-01', to: '2024-07-31', parameters: ['DO'] });
    await expect(backend.backfillJobs()).resolves.toEqual([job]);
    expect(calls(fetchMock)).toEqual([
      ['http://hub.local:8080/api/backfill', 'POST', { source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31', parameters: ['DO', 'EC'] }],
      ['http://hub.local:8080/api/backfill', 'POST', { source: 'openmeteo', station: 'apacpwq', from: '2024-07-01', to: '2024-07-31' }],
      ['http://hub.local:8080/api/backfill', 'GET', undefined],
    ]);
  });

  it('backfillBody leaves out empty parameter lists', () => {
    expect(backfillBody({ source: 'cpcb', station: 'UT67', from: 'a', to: 'b', parameters: [] })).toEqual({ source: 'cpcb', station: 'UT67', from: 'a', to: 'b' });
    expect(backfillBody({ source: 'cwc', station: 'x', from: 'a', to: 'b', parameters: ['DO'] })).toEqual({ source: 'cwc', station: 'x', from: 'a', to: 'b' });
  });

  it('rejects a running backfill with 409 conflict and a bad one with 400', async () => {
    const { backend, fetchMock } = setup();
    fetchMock.mockResolvedValueOnce(err(409, 'conflict', 'backfill cpcb-UT67-2024-07-01-2024-07-31 is already running'));
    await expect(backend.startBackfill({ source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31' })).rejects.toMatchObject({
      kind: 'conflict',
      status: 409,
      message: 'backfill cpcb-UT67-2024-07-01-2024-07-31 is already running',
    });
    fetchMock.mockResolvedValueOnce(err(400, 'bad_request', 'from 2024-08-01 is after to 2024-07-31'));
    await expect(backend.startBackfill({ source: 'cwc', station: 'x', from: '2024-08-01', to: '2024-07-31' })).rejects.toMatchObject({ kind: 'bad_request', status: 400 });
  });

  it('POSTs the import file as the raw body with ?label= and the token', async () => {
    const token = { value: 'ab'.repeat(32) };
    const { backend, fetchMock } = setup(token);
    const reply = { layout: 'nwmp_table', rows: 4, stations: 3, observations: 24, new: 24, skipped: ['row 2: criteria row'] };
    fetchMock.mockResolvedValueOnce(ok(reply));
    const file = new Blob(['Station Code,Location\n'], { type: 'text/csv' });
    await expect(backend.importTable(file, 'mpcb')).resolves.toEqual(reply);
    const [url, init] = fetchMock.mock.calls[0];
    expect(String(url)).toBe('http://hub.local:8080/api/import?label=mpcb');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe(file);
    expect(init?.headers).toMatchObject({ 'content-type': 'text/csv', authorization: `Bearer ${token.value}` });
  });

  it('rejects a refused import verbatim, a 413 as too_large, a network failure as network', async () => {
    const { backend, fetchMock } = setup();
    const file = new Blob(['x']);
    fetchMock.mockResolvedValueOnce(err(400, 'bad_request', 'not a CSV table: a PDF document; export the station table to CSV first'));
    await expect(backend.importTable(file, 'mpcb')).rejects.toMatchObject({
      kind: 'bad_request',
      status: 400,
      message: 'not a CSV table: a PDF document; export the station table to CSV first',
    });
    expect(fetchMock.mock.calls[0][1]?.headers).toMatchObject({ 'content-type': 'application/octet-stream' });
    fetchMock.mockResolvedValueOnce(new Response('length limit exceeded', { status: 413 }));
    await expect(backend.importTable(file, 'mpcb')).rejects.toMatchObject({ kind: 'too_large', status: 413 });
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(backend.importTable(file, 'mpcb')).rejects.toMatchObject({ kind: 'network', message: 'Failed to fetch' });
  });
});

describe('station_profile and backfill_progress frames', () => {
  it('accepts station_profile with a string id and profile (station summary optional)', () => {
    const f = { type: 'station_profile', station_id: 'apacpwq', profile: 'cpcb.dbu.C', station: { id: 'apacpwq', profile: 'cpcb.dbu.C' } };
    expect(parseFrame(JSON.stringify(f))).toEqual(f);
    expect(parseFrame(JSON.stringify({ ...f, station: null }))?.type).toBe('station_profile');
    expect(parseFrame(JSON.stringify({ ...f, station: 'x' }))).toBeNull();
    expect(parseFrame(JSON.stringify({ ...f, profile: 3 }))).toBeNull();
    expect(parseFrame(JSON.stringify({ type: 'station_profile', profile: 'cpcb.dbu.C' }))).toBeNull();
  });

  it('accepts backfill_progress with a job and counts', () => {
    const f = {
      type: 'backfill_progress',
      station_id: 'UT67',
      job: 'cpcb-UT67-2024-07-01-2024-07-31-DO_EC',
      done: 1,
      total: 2,
      resumed: 0,
      readings: 3,
      new: 3,
      current: 'EC',
      finished: false,
      failed_chunks: [],
      absent: [],
    };
    expect(parseFrame(JSON.stringify(f))).toEqual(f);
    expect(parseFrame(JSON.stringify({ ...f, job: null }))).toBeNull();
    expect(parseFrame(JSON.stringify({ ...f, done: '1' }))).toBeNull();
  });

  it('delivers both to subscribers over the socket', () => {
    const { got, last } = setup();
    last().open();
    last().frame({ type: 'station_profile', station_id: 'a', profile: 'cpcb.dbu.B', station: null });
    last().frame({ type: 'backfill_progress', station_id: 'a', job: 'openmeteo-a-2024-01-01-2024-01-31', done: 1, total: 1, finished: true });
    last().frame({ type: 'backfill_progress', station_id: 'a' });
    expect(got.map((m) => m.type)).toEqual(['resync', 'station_profile', 'backfill_progress']);
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { observable } from './observable';
import type { ConnectionState, HubMessage } from './types';

const invoke = vi.fn();
let emit: ((e: { payload: unknown }) => void) | null = null;
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (name: string, cb: (e: { payload: unknown }) => void) => {
    expect(name).toBe('hub://message');
    emit = cb;
    return () => {};
  }),
}));

const { createTauriBackend } = await import('./tauri');

beforeEach(() => {
  invoke.mockReset();
  emit = null;
});

describe('Tauri backend', () => {
  it('maps rpc calls to commands with camelCase args', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValueOnce([{ id: 'a' }]).mockResolvedValueOnce({ points: [] });
    await expect(b.listStations()).resolves.toEqual([{ id: 'a' }]);
    await b.stationReadings('a', 'ph', 'F', 'T');
    expect(invoke.mock.calls).toEqual([['list_stations'], ['station_readings', { stationId: 'a', parameter: 'ph', from: 'F', to: 'T' }]]);
  });

  it('maps alarm calls to list_alerts / ack_alert / resolve_alert', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({ id: 3 });
    await b.listAlerts('open');
    await b.listAlerts();
    await b.ackAlert('3', 'asha', 'ok');
    await b.resolveAlert(3, 'asha');
    expect(invoke.mock.calls).toEqual([
      ['list_alerts', { state: 'open' }],
      ['list_alerts', {}],
      ['ack_alert', { id: 3, by: 'asha', note: 'ok' }],
      ['resolve_alert', { id: 3, by: 'asha', note: null }],
    ]);
  });

  it('maps assignAlert to assign_alert {id, assignee, by}', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({ id: 3, assignee: 'team 2' });
    await expect(b.assignAlert('3', ' team 2 ', 'asha')).resolves.toEqual({ id: 3, assignee: 'team 2' });
    await b.assignAlert(3, null, 'asha');
    await b.assignAlert(3, '  ', 'asha');
    expect(invoke.mock.calls).toEqual([
      ['assign_alert', { id: 3, assignee: 'team 2', by: 'asha' }],
      ['assign_alert', { id: 3, assignee: null, by: 'asha' }],
      ['assign_alert', { id: 3, assignee: null, by: 'asha' }],
    ]);
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'no active alarm 3' });
    await expect(b.assignAlert(3, 'x', 'asha')).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found', message: 'no active alarm 3' });
  });

  it('maps forecast, trend, anomalies and health to their commands', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({});
    await b.stationForecast('apacpwq', 'dissolved_oxygen');
    await b.stationTrend('apacpwq', 'temperature');
    await b.stationTrend('apacpwq', 'temperature', 'F', 'T');
    await b.stationAnomalies('apacpwq', 'chla');
    await b.health();
    expect(invoke.mock.calls).toEqual([
      ['station_forecast', { id: 'apacpwq', stationId: 'apacpwq', parameter: 'dissolved_oxygen' }],
      ['station_trend', { stationId: 'apacpwq', parameter: 'temperature', from: null, to: null }],
      ['station_trend', { stationId: 'apacpwq', parameter: 'temperature', from: 'F', to: 'T' }],
      ['station_anomalies', { id: 'apacpwq', stationId: 'apacpwq', parameter: 'chla', from: null, to: null }],
      ['health'],
    ]);
  });

  it('maps forecastVerification to forecast_verification {stationId, parameter}', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    const reply = { station_id: 'apacpwq', parameter: 'temperature', unit: '°C', forecasts_stored: 0, horizons: [], note: 'no stored forecast yet' };
    invoke.mockResolvedValueOnce(reply);
    await expect(b.forecastVerification('apacpwq', 'temperature')).resolves.toEqual(reply);
    expect(invoke.mock.calls).toEqual([['forecast_verification', { stationId: 'apacpwq', parameter: 'temperature' }]]);
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'unknown station x' });
    await expect(b.forecastVerification('x', 'ph')).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found', message: 'unknown station x' });
    invoke.mockRejectedValueOnce({ error: { kind: 'bad_request', message: 'no model' } });
    await expect(b.forecastVerification('x', 'ph')).rejects.toMatchObject({ name: 'RpcError', kind: 'bad_request' });
  });

  it('maps stationSeries to station_series {stationId, parameter, from, to, resolution}', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({ points: [] });
    await b.stationSeries('apacpwq', 'temperature', 'F', 'T');
    await b.stationSeries('apacpwq', 'ph', 'F', 'T', 'hour');
    expect(invoke.mock.calls).toEqual([
      ['station_series', { stationId: 'apacpwq', parameter: 'temperature', from: 'F', to: 'T', resolution: 'auto' }],
      ['station_series', { stationId: 'apacpwq', parameter: 'ph', from: 'F', to: 'T', resolution: 'hour' }],
    ]);
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'unknown station x' });
    await expect(b.stationSeries('x', 'ph', 'F', 'T')).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found' });
  });

  it('maps the connector, unified-view, area and catalogue calls to their commands', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({});
    invoke.mockResolvedValueOnce({ status: 'healthy', sources: [{ id: 'imd', state: 'not_authorised' }] });
    await expect(b.sources()).resolves.toEqual([{ id: 'imd', state: 'not_authorised' }]);
    invoke.mockResolvedValueOnce({ status: 'healthy' });
    await expect(b.sources()).resolves.toEqual([]);
    await b.stationComprehensive('apacpwq');
    await b.areaSummary('river', 'Godavari');
    await b.areaSummary('state', 'Maharashtra');
    await b.catalogue();
    await b.catalogue({ q: ' godavari ', state: 'Maharashtra', river: '', limit: 200.7 });
    expect(invoke.mock.calls).toEqual([
      ['health'],
      ['health'],
      ['station_comprehensive', { stationId: 'apacpwq' }],
      ['area_summary', { kind: 'river', name: 'Godavari' }],
      ['area_summary', { kind: 'state', name: 'Maharashtra' }],
      ['catalogue', { q: null, state: null, river: null, limit: null }],
      ['catalogue', { q: 'godavari', state: 'Maharashtra', river: null, limit: 200 }],
    ]);
  });

  it('maps stationSatellite to station_satellite {stationId, days} (null = the hub default)', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    const reply = { station_id: 'apacpwq', enabled: true, scenes: [] };
    invoke.mockResolvedValue(reply);
    await expect(b.stationSatellite('apacpwq')).resolves.toEqual(reply);
    await b.stationSatellite('apacpwq', 90.5);
    expect(invoke.mock.calls).toEqual([
      ['station_satellite', { stationId: 'apacpwq', days: null }],
      ['station_satellite', { stationId: 'apacpwq', days: 90 }],
    ]);
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'unknown station x' });
    await expect(b.stationSatellite('x')).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found', message: 'unknown station x' });
    invoke.mockRejectedValueOnce({ kind: 'bad_request', message: 'days: 0 is not 1 to 3650' });
    await expect(b.stationSatellite('apacpwq', 0)).rejects.toMatchObject({ name: 'RpcError', kind: 'bad_request' });
  });

  it('normalises errors of the new commands to RpcError', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'no station on record for river `X`' });
    await expect(b.areaSummary('river', 'X')).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found', message: 'no station on record for river `X`' });
    invoke.mockRejectedValueOnce({ error: { kind: 'bad_request', message: 'limit: 9000 is more than 5000' } });
    await expect(b.catalogue({ limit: 9000 })).rejects.toMatchObject({ name: 'RpcError', kind: 'bad_request' });
    invoke.mockRejectedValueOnce('unknown station x');
    await expect(b.stationComprehensive('x')).rejects.toMatchObject({ name: 'RpcError', kind: 'error', message: 'unknown station x' });
    invoke.mockRejectedValueOnce({ kind: 'internal', message: 'db closed' });
    await expect(b.sources()).rejects.toMatchObject({ name: 'RpcError', kind: 'internal' });
  });

  it('rejects a missing forecast with kind not_found (flat or wrapped error body)', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'no forecast' });
    await expect(b.stationForecast('x', 'temperature')).rejects.toMatchObject({ kind: 'not_found', message: 'no forecast' });
    invoke.mockRejectedValueOnce({ error: { kind: 'bad_request', message: 'no model' } });
    await expect(b.stationForecast('x', 'ph')).rejects.toMatchObject({ kind: 'bad_request', message: 'no model' });
  });

  it('maps pairing to pair_start / list_devices / revoke_device; the window is always trusted', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    await expect(b.pairStatus()).resolves.toEqual({ trusted: true, local: true, device: null });
    expect(invoke).not.toHaveBeenCalled(); // there is no status command
    const start = { code: '123456', expires_at: 'T', links: [], qr_svg: null, hint: 'the hub listens on 127.0.0.1:8080' };
    invoke.mockResolvedValueOnce(start).mockResolvedValueOnce([{ id: 4, name: 'Tablet', paired_at: 'T', revoked_at: null }]).mockResolvedValueOnce({ revoked: 4 });
    await expect(b.pairStart()).resolves.toEqual(start);
    await expect(b.listDevices()).resolves.toHaveLength(1);
    await expect(b.revokeDevice(4)).resolves.toEqual({ revoked: 4 });
    expect(invoke.mock.calls).toEqual([['pair_start'], ['list_devices'], ['revoke_device', { id: 4 }]]);
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'no paired device 9' });
    await expect(b.revokeDevice(9)).rejects.toMatchObject({ name: 'RpcError', kind: 'not_found', message: 'no paired device 9' });
    invoke.mockRejectedValueOnce({ kind: 'conflict', message: 'the hub is not running' });
    await expect(b.pairStart()).rejects.toMatchObject({ name: 'RpcError', kind: 'conflict' });
    // The window never pairs itself.
    await expect(b.pair('123456', 'x')).rejects.toMatchObject({ name: 'RpcError', kind: 'unsupported' });
    expect(invoke).toHaveBeenCalledTimes(5);
  });

  it('sends a blank operator name as null (the core records "operator")', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValue({ id: 3 });
    await b.ackAlert(3, '');
    await b.resolveAlert(3, '  ', 'n');
    await b.assignAlert(3, 'team', '');
    expect(invoke.mock.calls).toEqual([
      ['ack_alert', { id: 3, by: null, note: null }],
      ['resolve_alert', { id: 3, by: null, note: 'n' }],
      ['assign_alert', { id: 3, assignee: 'team', by: null }],
    ]);
  });

  it('maps listProfiles / setStationProfile to list_profiles / set_station_profile {stationId, profile}', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockResolvedValueOnce([{ id: 'legacy.purehealth_v6' }]).mockResolvedValueOnce({ id: 'a', profile: 'cpcb.dbu.C' });
    await expect(b.listProfiles()).resolves.toEqual([{ id: 'legacy.purehealth_v6' }]);
    await expect(b.setStationProfile('a', 'cpcb.dbu.C')).resolves.toEqual({ id: 'a', profile: 'cpcb.dbu.C' });
    expect(invoke.mock.calls).toEqual([['list_profiles'], ['set_station_profile', { stationId: 'a', profile: 'cpcb.dbu.C' }]]);
    invoke.mockRejectedValueOnce({ kind: 'bad_request', message: 'profile: `x` is not a known profile (legacy.purehealth_v6, cpcb.dbu.A)' });
    await expect(b.setStationProfile('a', 'x')).rejects.toMatchObject({ name: 'RpcError', kind: 'bad_request' });
  });

  it('has no backfill or import command: rejects with kind unsupported without invoking', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    await expect(b.startBackfill({ source: 'cwc', station: 'x', from: '2024-01-01', to: '2024-01-31' })).rejects.toMatchObject({ kind: 'unsupported' });
    await expect(b.backfillJobs()).rejects.toMatchObject({ kind: 'unsupported' });
    await expect(b.importTable(new Blob(['x']), 'mpcb')).rejects.toMatchObject({ kind: 'unsupported', message: expect.stringContaining('purehealth import') });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('forwards station_profile and backfill_progress events', async () => {
    const state = observable<ConnectionState>('connecting');
    const b = createTauriBackend(state);
    const got: HubMessage[] = [];
    b.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(state.get()).toBe('live'));
    emit!({ payload: { type: 'station_profile', station_id: 'a', profile: 'cpcb.dbu.C', station: { id: 'a' } } });
    emit!({ payload: { type: 'backfill_progress', station_id: 'a', job: 'openmeteo-a-2024-01-01-2024-01-31', done: 0, total: 1, finished: false } });
    emit!({ payload: { type: 'station_profile', station_id: 'a' } });
    expect(got.map((m) => m.type)).toEqual(['resync', 'station_profile', 'backfill_progress']);
  });

  it('forwards prediction_update events', async () => {
    const state = observable<ConnectionState>('connecting');
    const b = createTauriBackend(state);
    const got: HubMessage[] = [];
    b.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(state.get()).toBe('live'));
    emit!({ payload: { type: 'prediction_update', station_id: 'a', predictions: {}, forecast: { parameter: 'temperature', points: [] } } });
    expect(got.map((m) => m.type)).toEqual(['resync', 'prediction_update']);
  });

  it('turns command errors into RpcError with the hub message', async () => {
    const b = createTauriBackend(observable<ConnectionState>('connecting'));
    invoke.mockRejectedValueOnce({ kind: 'not_found', message: 'unknown alarm 9' });
    await expect(b.ackAlert(9, 'x')).rejects.toMatchObject({ kind: 'not_found', message: 'unknown alarm 9' });
    invoke.mockRejectedValueOnce('plain failure');
    await expect(b.resolveAlert(9, 'x')).rejects.toMatchObject({ kind: 'error', message: 'plain failure' });
  });

  it('goes live once listening, emits resync, and forwards object or string payloads', async () => {
    const state = observable<ConnectionState>('connecting');
    const b = createTauriBackend(state);
    const got: HubMessage[] = [];
    b.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(state.get()).toBe('live'));
    emit!({ payload: { type: 'alert', alert: { message: 'x' } } });
    emit!({ payload: '{"type":"pong"}' });
    emit!({ payload: 'garbage' });
    emit!({ payload: { type: 'station_update', data: null } });
    expect(got.map((m) => m.type)).toEqual(['resync', 'alert', 'pong']);
  });
});

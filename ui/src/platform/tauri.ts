// Tauri backend: IPC commands + the `hub://message` app event.
// This is the ONLY module allowed to import `@tauri-apps/*`.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Writable } from './observable';
import { RpcError, toRpcError } from './types';
import type {
  Alarm,
  AnomaliesReply,
  AreaSummary,
  Backend,
  CatalogueReply,
  ComprehensiveReply,
  ConnectionState,
  ConnectorHealth,
  CriteriaProfile,
  ForecastReply,
  ForecastVerificationReply,
  HealthReply,
  MessageHandler,
  PairStart,
  PairStatus,
  PairedDevice,
  SatelliteReply,
  Series,
  SeriesReply,
  Station,
  TrendReply,
} from './types';
import { asMessage, parseFrame } from './ws';

/** `invoke` whose rejection is normalised to an RpcError (`{kind,message}` from the core). */
function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  return (args === undefined ? invoke<T>(cmd) : invoke<T>(cmd, args)).catch((e: unknown) => Promise.reject(toRpcError(e)));
}

/** The window is the hub's own process: always trusted, never a paired device (no command asks). */
const WINDOW_STATUS: PairStatus = { trusted: true, local: true, device: null };

/**
 * Station argument of the analysis commands. `station_readings`/`station_trend` take `station_id`
 * (JS `stationId`); the newer `station_forecast`/`station_anomalies` were specified with `id`.
 * Tauri ignores argument keys a command does not declare, so both are sent.
 */
const stationArgs = (id: string, parameter: string) => ({ id, stationId: id, parameter });

/** Backfill and import have no Tauri command yet: the window shows the CLI equivalent instead. */
const noCommand = (what: string, cli: string) =>
  Promise.reject(new RpcError('unsupported', `${what} has no command in this window yet; run \`${cli}\` on the hub's computer`));

/** A blank name or note is sent as null (the core then uses its default, "operator"). */
const orNull = (v: string | null | undefined) => (v && v.trim() ? v : null);

export function createTauriBackend(state: Writable<ConnectionState>): Backend {
  const handlers = new Set<MessageHandler>();
  let listening: Promise<void> | null = null;
  let listenFailed = false;

  function ensureListening() {
    listening ??= listen<unknown>('hub://message', (e) => {
      // The payload is the message object; a pre-serialised JSON string is accepted too.
      const msg = typeof e.payload === 'string' ? parseFrame(e.payload) : asMessage(e.payload);
      if (!msg) return;
      for (const h of [...handlers]) {
        try {
          h(msg);
        } catch (err) {
          console.error('message handler failed', err);
        }
      }
    }).then(
      () => {
        state.set('live');
        for (const h of [...handlers]) h({ type: 'resync' });
      },
      (err) => {
        console.error('listen(hub://message) failed', err);
        listenFailed = true;
        state.set('offline');
      },
    );
  }

  return {
    listStations: () => invoke<Station[]>('list_stations'),
    stationReadings: (stationId, parameter, from, to) =>
      invoke<Series>('station_readings', { stationId, parameter, from, to }),
    stationSeries: (stationId, parameter, from, to, resolution = 'auto') =>
      call<SeriesReply>('station_series', { stationId, parameter, from, to, resolution }),
    listAlerts: (state) => invoke<Alarm[]>('list_alerts', state ? { state } : {}).catch((e) => Promise.reject(toRpcError(e))),
    ackAlert: (id, by, note) =>
      invoke<Alarm>('ack_alert', { id: Number(id), by: orNull(by), note: orNull(note) }).catch((e) => Promise.reject(toRpcError(e))),
    resolveAlert: (id, by, note) =>
      invoke<Alarm>('resolve_alert', { id: Number(id), by: orNull(by), note: orNull(note) }).catch((e) => Promise.reject(toRpcError(e))),
    assignAlert: (id, assignee, by) =>
      call<Alarm>('assign_alert', { id: Number(id), assignee: assignee && assignee.trim() ? assignee.trim() : null, by: orNull(by) }),
    stationForecast: (id, parameter) => call<ForecastReply>('station_forecast', stationArgs(id, parameter)),
    forecastVerification: (id, parameter) => call<ForecastVerificationReply>('forecast_verification', { stationId: id, parameter }),
    stationTrend: (id, parameter, from, to) =>
      call<TrendReply>('station_trend', { stationId: id, parameter, from: from || null, to: to || null }),
    stationAnomalies: (id, parameter, from, to) =>
      call<AnomaliesReply>('station_anomalies', { ...stationArgs(id, parameter), from: from || null, to: to || null }),
    health: () => call<HealthReply>('health'),
    // There is no `sources` command: `health` carries the same list under `sources`.
    sources: () =>
      call<HealthReply>('health').then((h) => (Array.isArray(h?.sources) ? (h.sources as ConnectorHealth[]) : [])),
    stationComprehensive: (stationId) => call<ComprehensiveReply>('station_comprehensive', { stationId }),
    stationSatellite: (stationId, days) =>
      call<SatelliteReply>('station_satellite', { stationId, days: typeof days === 'number' && Number.isFinite(days) ? Math.floor(days) : null }),
    areaSummary: (kind, name) => call<AreaSummary>('area_summary', { kind, name }),
    catalogue: (query = {}) =>
      call<CatalogueReply>('catalogue', {
        q: query.q?.trim() || null,
        state: query.state || null,
        river: query.river || null,
        limit: typeof query.limit === 'number' && Number.isFinite(query.limit) ? Math.max(0, Math.floor(query.limit)) : null,
      }),
    pairStatus: () => Promise.resolve({ ...WINDOW_STATUS }),
    pairStart: () => call<PairStart>('pair_start'),
    // The window never needs a token; pairing happens in the browsers of other devices.
    pair: () => Promise.reject(new RpcError('unsupported', 'this window is the hub itself and is always trusted; pair other devices from it')),
    listDevices: () => call<PairedDevice[]>('list_devices'),
    revokeDevice: (id) => call<{ revoked: number }>('revoke_device', { id: Number(id) }),
    listProfiles: () => call<CriteriaProfile[]>('list_profiles'),
    setStationProfile: (stationId, profile) => call<Station>('set_station_profile', { stationId, profile }),
    startBackfill: () => noCommand('backfill', 'purehealth backfill --source … --station … --from … --to …'),
    backfillJobs: () => noCommand('backfill', 'purehealth backfill …'),
    importTable: () => noCommand('import', 'purehealth import FILE --label …'),
    subscribe(handler) {
      handlers.add(handler);
      ensureListening();
      return () => handlers.delete(handler);
    },
    // Switching back from another hub: the listener is still registered, so announce "live"
    // and a resync (the stores reload from this core) once it is.
    reconnect() {
      if (!listening) return;
      void listening.then(() => {
        if (listenFailed) return state.set('offline');
        state.set('live');
        for (const h of [...handlers]) h({ type: 'resync' });
      });
    },
  };
}

// The transport facade. Only this folder knows which backend is in use:
// Tauri IPC when running inside the desktop/mobile shell, otherwise
// fetch + WebSocket against the hub that served this page; or, when a hub address is chosen
// (Settings → Hub & devices), fetch + WebSocket against that hub (transport.ts).
import { observable } from './observable';
import type {
  Alarm,
  AlarmState,
  AnomaliesReply,
  AreaKind,
  AreaSummary,
  BackfillProgress,
  BackfillRequest,
  BackfillStarted,
  CatalogueQuery,
  CatalogueReply,
  ComprehensiveReply,
  ConnectorHealth,
  ConnectionState,
  CriteriaProfile,
  ForecastReply,
  ForecastVerificationReply,
  HealthReply,
  ImportReply,
  MessageHandler,
  PairReply,
  PairStart,
  PairStatus,
  PairedDevice,
  Readable,
  SatelliteReply,
  Series,
  SeriesReply,
  SeriesResolutionQuery,
  Station,
  TrendReply,
} from './types';
export { RpcError, isBadRequest, isNotFound, isUnauthorized, toRpcError } from './types';
import { createWsBackend } from './ws';
import { createTransport } from './transport';
import { createHubChoice, createHubTokens } from '../lib/hub';

export type * from './types';

const state = observable<ConnectionState>('connecting');

/** `connecting | live | offline`. Svelte components can use `$connectionState`. */
export const connectionState: Readable<ConnectionState> = { subscribe: state.subscribe, get: state.get };

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

const pageOrigin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;

const transport = createTransport({
  inWindow: isTauri(),
  pageOrigin,
  choice: createHubChoice(),
  tokens: createHubTokens(pageOrigin),
  state,
  makeWs: (o) => createWsBackend(o),
  makeTauri: (st) => import('./tauri').then((m) => m.createTauriBackend(st)),
});

const backend = () => transport.backend();

/** The chosen hub's origin (e.g. `http://192.168.1.20:8080`), or null for this device. */
export const currentHub: Readable<string | null> = transport.hub;

/** The origin requests go to: the chosen hub, else the page's own; null in the window on its own core (IPC). */
export function hubTarget(): string | null {
  return transport.target();
}

/**
 * Connects to another hub (its origin, already normalised and tested), or with null back to
 * this device. The choice is kept in localStorage; the live connection is reopened and every
 * subscriber gets a `resync` from the new hub.
 */
export function setHub(origin: string | null): void {
  transport.setHub(origin);
}

export const rpc = {
  listStations: (): Promise<Station[]> => backend().then((b) => b.listStations()),
  stationReadings: (id: string, parameter: string, from: string, to: string): Promise<Series> =>
    backend().then((b) => b.stationReadings(id, parameter, from, to)),
  stationSeries: (id: string, parameter: string, from: string, to: string, resolution: SeriesResolutionQuery = 'auto'): Promise<SeriesReply> =>
    backend().then((b) => b.stationSeries(id, parameter, from, to, resolution)),
  listAlerts: (state?: AlarmState): Promise<Alarm[]> => backend().then((b) => b.listAlerts(state)),
  ackAlert: (id: number | string, by: string, note?: string): Promise<Alarm> => backend().then((b) => b.ackAlert(id, by, note)),
  resolveAlert: (id: number | string, by: string, note?: string): Promise<Alarm> =>
    backend().then((b) => b.resolveAlert(id, by, note)),
  assignAlert: (id: number | string, assignee: string | null, by: string): Promise<Alarm> =>
    backend().then((b) => b.assignAlert(id, assignee, by)),
  stationForecast: (id: string, parameter: string): Promise<ForecastReply> => backend().then((b) => b.stationForecast(id, parameter)),
  forecastVerification: (id: string, parameter: string): Promise<ForecastVerificationReply> =>
    backend().then((b) => b.forecastVerification(id, parameter)),
  stationTrend: (id: string, parameter: string, from?: string, to?: string): Promise<TrendReply> =>
    backend().then((b) => b.stationTrend(id, parameter, from, to)),
  stationAnomalies: (id: string, parameter: string, from?: string, to?: string): Promise<AnomaliesReply> =>
    backend().then((b) => b.stationAnomalies(id, parameter, from, to)),
  health: (): Promise<HealthReply> => backend().then((b) => b.health()),
  sources: (): Promise<ConnectorHealth[]> => backend().then((b) => b.sources()),
  stationComprehensive: (id: string): Promise<ComprehensiveReply> => backend().then((b) => b.stationComprehensive(id)),
  stationSatellite: (id: string, days?: number): Promise<SatelliteReply> => backend().then((b) => b.stationSatellite(id, days)),
  areaSummary: (kind: AreaKind, name: string): Promise<AreaSummary> => backend().then((b) => b.areaSummary(kind, name)),
  catalogue: (query: CatalogueQuery = {}): Promise<CatalogueReply> => backend().then((b) => b.catalogue(query)),
  pairStatus: (): Promise<PairStatus> => backend().then((b) => b.pairStatus()),
  pairStart: (): Promise<PairStart> => backend().then((b) => b.pairStart()),
  pair: (code: string, name: string): Promise<PairReply> => backend().then((b) => b.pair(code, name)),
  listDevices: (): Promise<PairedDevice[]> => backend().then((b) => b.listDevices()),
  revokeDevice: (id: number): Promise<{ revoked: number }> => backend().then((b) => b.revokeDevice(id)),
  listProfiles: (): Promise<CriteriaProfile[]> => backend().then((b) => b.listProfiles()),
  setStationProfile: (id: string, profile: string): Promise<Station> => backend().then((b) => b.setStationProfile(id, profile)),
  startBackfill: (job: BackfillRequest): Promise<BackfillStarted> => backend().then((b) => b.startBackfill(job)),
  backfillJobs: (): Promise<BackfillProgress[]> => backend().then((b) => b.backfillJobs()),
  importTable: (file: Blob, label: string): Promise<ImportReply> => backend().then((b) => b.importTable(file, label)),
};

/** This device's token for the hub in use (none in the window on its own core: it is always trusted). */
export function getDeviceToken(): string | null {
  return transport.token();
}

/** Stores (or, with null, forgets) the token for the hub in use and reopens the live connection with it. */
export function setDeviceToken(token: string | null): void {
  transport.setToken(token);
}

/** Receive every hub message (all stations, from whichever hub is in use). Returns an unsubscribe function. */
export function subscribe(handler: MessageHandler): () => void {
  return transport.subscribe(handler);
}

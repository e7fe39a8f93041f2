// Wire types shared by both backends (see the hub data contract).
// Everything here mirrors JSON the Rust hub emits; keep it in sync with it.

/** QARTOD flag: 1 pass, 2 not evaluated, 3 suspect, 4 fail, 9 missing. */
export type QcFlag = 1 | 2 | 3 | 4 | 9;

export interface LatestValue {
  value: number | null;
  unit: string;
  /** Observation time, RFC 3339 UTC. */
  t: string;
  q: QcFlag | number;
}

export type CpcbClass = 'A' | 'B' | 'C' | 'D' | 'E';
export type AlertLevel = 'ok' | 'warning' | 'critical';

/** One parameter's limits from the station's criteria profile; `null` = no limit on that side. */
export interface ParameterLimits {
  warn_low?: number | null;
  warn_high?: number | null;
  crit_low?: number | null;
  crit_high?: number | null;
}

export interface Station {
  id: string;
  name: string;
  legacy_id: number | null;
  location: { lat: number; lon: number } | null;
  source: string;
  latest: Record<string, LatestValue>;
  wqi: number | null;
  class: CpcbClass | null;
  mpcb_class: string | null;
  classification: string | null;
  status: string | null;
  alert_level: AlertLevel;
  last_update: string | null;
  /** Limits per canonical parameter for the station's criteria profile (absent on older hubs). */
  limits?: Record<string, ParameterLimits> | null;
  /** Criteria profile id, e.g. `legacy.purehealth_v6`. */
  profile?: string | null;
  /** False once the station was silent for 3× its expected interval (absent on older hubs). */
  online?: boolean | null;
  /** Expected reporting interval in seconds, or null when unknown. */
  expected_interval_s?: number | null;
}

export interface SeriesPoint {
  t: string;
  v: number | null;
  q: QcFlag | number;
}

export interface Series {
  station_id: string;
  parameter: string;
  unit: string;
  points: SeriesPoint[];
}

/** Resolution asked of `GET /api/stations/{id}/series`; `auto` lets the hub choose by window length. */
export type SeriesResolutionQuery = 'auto' | 'raw' | 'hour' | 'day';
/** Resolution the hub used: raw readings, hourly or daily buckets. */
export type SeriesResolution = 'raw' | 'hour' | 'day';

/** One point of an aggregated series: `t` = bucket start (hour/day) or observation time (raw). */
export interface AggregatePoint {
  t: string;
  /** Mean of the bucket (the value for raw). */
  v: number | null;
  min: number | null;
  max: number | null;
  /** Readings in the bucket. */
  n: number;
}

/** `GET /api/stations/{id}/series?parameter=P&from&to&resolution` (Tauri `station_series`). */
export interface SeriesReply {
  station_id: string;
  parameter: string;
  unit: string;
  from: string;
  to: string;
  resolution: SeriesResolution | string;
  points: AggregatePoint[];
}

export interface StationUpdateData {
  station_id?: string;
  station_name?: string;
  timestamp?: string;
  parameter?: string;
  value?: number | null;
  unit?: string;
  latest?: Record<string, LatestValue>;
  wqi?: number | null;
  class?: CpcbClass | null;
  mpcb_class?: string | null;
  classification?: string | null;
  status?: string | null;
  alert_level?: AlertLevel;
  seq?: number;
  limits?: Record<string, ParameterLimits> | null;
  profile?: string | null;
  online?: boolean | null;
  expected_interval_s?: number | null;
  [legacy: string]: unknown;
}

export interface AlertPayload {
  severity?: 'critical' | 'high' | 'medium' | 'warning' | string;
  parameter?: string;
  value?: number | null;
  message?: string;
  state?: 'active_unack' | 'active_ack' | 'cleared_unack' | 'cleared_ack' | string;
  alarm_id?: string | number;
  /** The alarm's rule id (`legacy.purehealth_v6.dissolved_oxygen`, `forecast.do_below_4_within_7d`, …). */
  rule_id?: string;
  /** `open | acknowledged | resolved` (alarm frames only). */
  workflow_state?: string;
  /** Canonical parameter name (`dissolved_oxygen`); `parameter` is the label. */
  parameter_code?: string;
  unit?: string;
  station_name?: string;
  /** Timer-driven and operator frames: `escalated`, `reminder`, `assigned`; absent for level changes. */
  event?: 'escalated' | 'reminder' | 'assigned' | string;
  escalated?: boolean;
  reminders?: number;
  assignee?: string | null;
  basis?: { profile?: string | null; clause?: string | null } | null;
  confidence?: AlarmConfidence | string;
  [extra: string]: unknown;
}

/** How far an alarm's data can be trusted: real-time data, a QC-suspect reading, or a model forecast. */
export type AlarmConfidence = 'provisional' | 'qc_suspect' | 'forecast';

export type HubMessage =
  | { type: 'connected'; client_id?: string; timestamp?: string; message?: string }
  | { type: 'subscribed' | 'unsubscribed'; station_id?: string | number; timestamp?: string }
  | { type: 'pong'; timestamp?: string }
  | { type: 'error'; message?: string; kind?: string }
  | { type: 'station_update'; station_id?: string | number; timestamp?: string; data: StationUpdateData }
  | { type: 'alert'; station_id?: string | number; timestamp?: string; alert: AlertPayload; priority?: string }
  | {
      type: 'prediction_update';
      station_id?: string | number;
      timestamp?: string;
      /** Legacy summary (`forecasts` keyed by horizon, `predictions` list); not used by this UI. */
      predictions?: unknown;
      /** One parameter's forecast, the same object as `GET /api/stations/{id}/forecast`. */
      forecast?: ForecastReply | null;
      /** Or every forecast of the station issued in this cycle (same objects). */
      forecasts?: ForecastReply[] | null;
    }
  /** A station's criteria profile changed (`POST /api/stations/{id}/profile`); `station` = its summary, regraded. */
  | { type: 'station_profile'; station_id: string; profile: string; station?: Station | null; timestamp?: string }
  /** Progress of a history backfill (`POST /api/backfill`), after every chunk and once more with `finished`. */
  | ({ type: 'backfill_progress'; station_id: string } & BackfillProgress)
  /**
   * Synthetic, produced by the transport itself (never by the hub): the live stream
   * (re)started, so anything cached may be stale and should be refetched.
   */
  | { type: 'resync' };

export type MessageHandler = (msg: HubMessage) => void;

export type ConnectionState = 'connecting' | 'live' | 'offline';

/** Minimal observable compatible with the Svelte store contract (`$store`). */
export interface Readable<T> {
  subscribe(run: (value: T) => void): () => void;
  get(): T;
}

export type AlarmState = 'open' | 'acknowledged' | 'resolved';
export type AlarmSeverity = 'warning' | 'critical';

/** One alarm of the hub's alarm workflow (`GET /api/alerts`, PROTOCOL §1.4c). */
export interface Alarm {
  id: number | string;
  station_id: string;
  parameter: string;
  rule: string;
  profile: string | null;
  severity: AlarmSeverity | string;
  state: AlarmState | string;
  opened_at: string;
  updated_at: string;
  last_value: number | null;
  peak_value: number | null;
  occurrences: number;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  note: string | null;
  /** Who is to handle it (absent on older hubs). */
  assignee?: string | null;
  /** When it escalated (left unacknowledged past the policy's time), else null. */
  escalated_at?: string | null;
  /** Reminders sent while unacknowledged, and the last one. */
  reminders?: number;
  last_reminder_at?: string | null;
}

/** One forecast day: horizon `h` days after the origin, quantiles in the parameter's unit. */
export interface ForecastPoint {
  h: number;
  /** `YYYY-MM-DD`. */
  date: string;
  p10: number | null;
  p50: number | null;
  p90: number | null;
}

/** `GET /api/stations/{id}/forecast?parameter=P` (Tauri `station_forecast`; WS `prediction_update.forecast`). */
export interface ForecastReply {
  station_id: string;
  parameter: string;
  unit: string;
  model: string;
  model_version: string;
  backend: string;
  issued_at: string;
  /** Last observed day (`YYYY-MM-DD`); horizon 1 is the day after. */
  origin: string;
  /** True when the station's own seasonal climatology was an input (about a year of history). */
  climatology: boolean;
  coverage_note: string;
  /** Up to 60 daily means up to the origin. */
  observed: { date: string; v: number | null }[];
  /** Horizons 1..90. */
  points: ForecastPoint[];
}

/** One verified forecast: the quantiles issued `horizon` days before `date` and what was observed that day. */
export interface VerificationCase {
  /** Target day, `YYYY-MM-DD`. */
  date: string;
  observed: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
}

/** How the stored forecasts of one horizon did against the observed daily means. */
export interface VerificationHorizon {
  horizon: number;
  /** Forecasts of this horizon whose target day has been observed. */
  n: number;
  /** Mean absolute error of P50, in the parameter's unit (null while `n` is 0). */
  mae: number | null;
  /** Share of observed values inside P10–P90 (0..1). */
  coverage_p10_p90: number | null;
  /** The model's P10–P90 coverage on held-out sites (0..1), for comparison. */
  coverage_heldout: number | null;
  /** Up to 10 cases, newest first. */
  recent: VerificationCase[];
}

/** `GET /api/stations/{id}/forecast/verification?parameter=P` (Tauri `forecast_verification`). */
export interface ForecastVerificationReply {
  station_id: string;
  parameter: string;
  unit: string;
  forecasts_stored: number;
  /** Empty (with `note`) when nothing is stored yet. */
  horizons: VerificationHorizon[];
  note?: string;
}

export type TrendKind = 'increasing' | 'decreasing' | 'no_trend' | 'insufficient_data';

/** `GET /api/stations/{id}/trend` (PROTOCOL §1.4a). */
export interface TrendReply {
  station_id: string;
  parameter: string;
  unit: string;
  from: string;
  to: string;
  method: string;
  days: number;
  trend: TrendKind | string;
  p_value: number | null;
  z?: number | null;
  tau?: number | null;
  s?: number | null;
  sen_slope_per_day: number | null;
  sen_slope_per_year: number | null;
  alpha?: number | null;
}

export interface Anomaly {
  date: string;
  value: number | null;
  baseline: number | null;
  score: number | null;
  severity: 'low' | 'high' | 'critical' | string;
}

/** `GET /api/stations/{id}/anomalies` (PROTOCOL §1.4b). */
export interface AnomaliesReply {
  station_id: string;
  parameter: string;
  unit: string;
  from: string;
  to: string;
  method: string;
  days: number;
  anomalies: Anomaly[];
}

/**
 * `GET /health` (Tauri `health`). Only `status` is guaranteed; everything else is optional and
 * unknown keys are shown generically by the health view.
 */
export interface HealthReply {
  status?: string;
  timestamp?: string;
  version?: string;
  uptime_s?: number;
  [key: string]: unknown;
}

/** Connector ids (`[sources.<id>]` in the hub's configuration). */
export type ConnectorId = 'cpcb' | 'datagov' | 'cwc' | 'imd' | 'openmeteo' | 'satellite';
/** `not_authorised` = the agency refused access (credentials, IP whitelist), not an outage. */
export type ConnectorState = 'disabled' | 'starting' | 'ok' | 'degraded' | 'not_authorised';

/** One connector's health: `GET /api/sources` items, also `/health`'s `sources` (Tauri `health`). */
export interface ConnectorHealth {
  id: ConnectorId | string;
  label: string;
  enabled: boolean;
  state: ConnectorState | string;
  /** Why the state is not `ok`: the exact error or drift, verbatim. */
  reason: string | null;
  base_url: string;
  insecure_tls: boolean;
  interval_s: number;
  stale_after_s: number;
  last_attempt: string | null;
  last_success: string | null;
  last_error: string | null;
  last_error_at: string | null;
  next_attempt: string | null;
  circuit_open_until: string | null;
  consecutive_failures: number;
  polls: number;
  records_last: number;
  records_total: number;
  new_last: number;
  stations: number;
  /** Newest observation time in the last good data. */
  data_as_of: string | null;
  stale: boolean;
  drift: string | null;
  last_schema_change: string | null;
  skipped_last: number;
  skipped_examples: string[];
  not_modified: number;
}

/** Where a value came from (`SourceKind`). */
export type SourceKind = 'sensor' | 'api' | 'satellite' | 'ml_fallback';

/** One source's value of a parameter in the unified station view. */
export interface CompEntry {
  value: number | null;
  unit: string;
  source: SourceKind | string;
  /** Provenance (`cpcb_rtwqms`, `cwc`, `imd`, `openmeteo`, `datagov`); null for the station's own sensors. */
  connector: string | null;
  /** E.g. a unit-label correction or "GloFAS modelled discharge, not a gauge reading". */
  note: string | null;
  qc: QcFlag | number;
  /** The agency's observation time. */
  observed_at: string;
  /** When the hub received it. */
  fetched_at: string;
  age_s: number;
  fresh: boolean;
  /** False for model estimates. */
  measured: boolean;
}

/** One parameter: the value in force (top-level entry fields) and every source, best first. */
export interface CompField extends Partial<CompEntry> {
  parameter: string;
  /** English label from the hub (the UI translates known parameters itself). */
  label: string;
  sources: CompEntry[];
}

export type FloodStatusKind = 'normal' | 'above_warning' | 'above_danger' | 'above_hfl' | 'not_comparable';

/** The newest water level (m above MSL) against the station's CWC levels. */
export interface FloodStatus {
  warning_level: number | null;
  danger_level: number | null;
  highest_flood_level: number | null;
  level: number | null;
  observed_at: string | null;
  status: FloodStatusKind | string;
  /** A gauge height (local datum) exists; it is never compared with the levels. */
  gauge_height_not_compared: boolean;
}

/** IMD district rainfall (actual/normal mm, departure %, category code `LE|E|N|D|LD|NR|ND`). */
export interface RainfallBulletin {
  district: string;
  state?: string | null;
  date?: string | null;
  daily_actual_mm?: number | null;
  daily_normal_mm?: number | null;
  daily_departure_pct?: number | null;
  daily_category?: string | null;
  week?: [string, string] | null;
  weekly_actual_mm?: number | null;
  weekly_normal_mm?: number | null;
  weekly_departure_pct?: number | null;
  weekly_category?: string | null;
  month?: [string, string] | null;
  monthly_actual_mm?: number | null;
  monthly_normal_mm?: number | null;
  monthly_departure_pct?: number | null;
  monthly_category?: string | null;
  cumulative_since?: string | null;
  cumulative_actual_mm?: number | null;
  cumulative_normal_mm?: number | null;
  cumulative_departure_pct?: number | null;
  cumulative_category?: string | null;
  [extra: string]: unknown;
}

export type WarningColour = 'red' | 'orange' | 'yellow' | 'green';

/** IMD district warnings for the next days (day 1 = the bulletin's date). */
export interface WarningsBulletin {
  date: string | null;
  days: { codes: number[]; warnings: string[]; colour: WarningColour | string | null }[];
}

export interface DistrictBulletins {
  rainfall?: RainfallBulletin;
  warnings?: WarningsBulletin;
}

/** A station's metadata from the catalogue or a source's station list. */
export interface StationMetadata {
  id: string;
  name: string;
  lat: number | null;
  lon: number | null;
  river: string | null;
  district: string | null;
  state: string | null;
  basin: string | null;
}

/** `GET /api/stations/{id}/comprehensive` (Tauri `station_comprehensive`). */
export interface ComprehensiveReply {
  station_id: string;
  station: Station | null;
  metadata: StationMetadata | null;
  generated_at: string;
  water_quality: CompField[];
  hydrology: CompField[];
  flood: FloodStatus | null;
  weather: CompField[];
  district_bulletins: DistrictBulletins | null;
  device: CompField[];
  connectors: ConnectorHealth[];
}

/** Products of the satellite layer (`values` keys of a scene). */
export type SatelliteProduct = 'turbidity' | 'ndti' | 'ndwi' | 'ndci' | 'chla';

/** One algorithm's estimate for a scene at a station; `value` null = too few valid water pixels. */
export interface SatelliteValue {
  /** E.g. `nechad2016_s2b4`, `ndti_lacaux2007`, `chla_ndci_mishra2012_field`. */
  algorithm: string;
  /** `FNU`, `mg/m3`, or `1` for the indices. */
  unit: string;
  value: number | null;
  /** Water pixels (not cloud, shadow, land or no data) in the window around the station. */
  valid_pixels: number;
  /** The window touches shore or cloud (adjacency effects likely). */
  adjacency: boolean;
}

/** The in-situ reading nearest the overpass (within ± `in_situ_window_h`). */
export interface InSituMatch {
  parameter: string;
  value: number | null;
  unit: string;
  observed_at: string;
  /** Reading time minus overpass time (negative = before the overpass). */
  minutes_from_overpass: number;
}

/** One Sentinel-2 scene evaluated at the station. */
export interface SatelliteScene {
  scene_id: string;
  acquired_at: string;
  acquired_ms: number;
  platform: string | null;
  collection: string;
  /** Whole-tile cloud cover, %. */
  cloud_cover: number | null;
  catalogue: string;
  computed_at: string;
  /** By product (`SatelliteProduct`; any may be missing). */
  values: Partial<Record<SatelliteProduct | (string & {}), SatelliteValue>>;
  /** `turbidity` and `chla` when the station measured them near the overpass. */
  in_situ?: Partial<Record<'turbidity' | 'chla', InSituMatch>>;
}

/** `GET /api/stations/{id}/satellite?days=N` (Tauri `station_satellite`). */
export interface SatelliteReply {
  station_id: string;
  location: { lat: number; lon: number } | null;
  generated_at: string;
  days: number;
  /** `[sources.satellite]` is turned on. */
  enabled: boolean;
  /** The STAC catalogue's base URL, or null. */
  catalogue: string | null;
  min_valid_pixels: number | null;
  in_situ_window_h: number;
  /** The satellite connector's health (as in `GET /api/sources`), or null. */
  source: ConnectorHealth | null;
  /** Newest first. */
  scenes: SatelliteScene[];
}

export type AreaKind = 'river' | 'district' | 'state';

/** `GET /api/rivers/{name}`, `/api/districts/{name}`, `/api/states/{name}` (Tauri `area_summary`). */
export interface AreaSummary {
  /** The area's name under its kind's key (`river`, `district` or `state`). */
  river?: string;
  district?: string;
  state?: string;
  generated_at: string;
  stations_total: number;
  counts: { ok: number; warning: number; critical: number; offline: number; no_data: number };
  mean_wqi: number | null;
  /** The lowest WQI (worst water). */
  worst_wqi: number | null;
  stations: { metadata: StationMetadata; station: Station | null }[];
}

/** One catalogue station (`NWMP-<code>` for CPCB NWMP stations). */
export interface CatalogueStation {
  id: string;
  code: string;
  name: string;
  river: string | null;
  state: string;
  /** Years with published data, ascending. */
  years: number[];
  sources: string[];
  /** The hub has live data for it (`#/station/<id>`). */
  live: boolean;
}

export interface CatalogueQuery {
  q?: string;
  state?: string;
  river?: string;
  limit?: number;
}

/** `GET /api/catalogue?q&state&river&limit` (Tauri `catalogue`). */
export interface CatalogueReply {
  /** Stations matching the query (all of them, not only the ones returned). */
  total: number;
  catalogue_size: number;
  stations: CatalogueStation[];
  states: { name: string; stations: number }[];
  rivers: { name: string; stations: number }[];
}

/** `GET /api/pair/status`: who this caller is to the hub (the Tauri window is always `{true, true, null}`). */
export interface PairStatus {
  /** May act (acknowledge, resolve, assign, pair more devices…). */
  trusted: boolean;
  /** The hub's own machine (loopback). */
  local: boolean;
  /** The paired name when the caller presented a valid device token, else null. */
  device: string | null;
}

/** `POST /api/pair/start` (Tauri `pair_start`): a one-time code valid for 5 minutes. */
export interface PairStart {
  /** 6 digits. */
  code: string;
  /** RFC 3339. */
  expires_at: string;
  /** `http://<lan address>:<port>/#/pair/<code>`. */
  links: string[];
  /** An SVG QR code of `links[0]` (`<?xml …<svg …>`), or null. */
  qr_svg: string | null;
  /** Why other devices may not reach the hub (e.g. it listens on loopback only), or null. */
  hint: string | null;
}

/** `POST /api/pair` reply: the device token (64 hex digits), returned once. */
export interface PairReply {
  token: string;
  device_id: number;
  name: string;
}

/** `GET /api/devices` item (Tauri `list_devices`). */
export interface PairedDevice {
  id: number;
  name: string;
  paired_at: string;
  revoked_at: string | null;
}

/** `GET /api/profiles` item (Tauri `list_profiles`): a criteria profile a station can be graded under. */
export interface CriteriaProfile {
  /** `legacy.purehealth_v6` (first: the original thresholds), `cpcb.dbu.A` … */
  id: string;
  name: string;
  document: string;
  /** What the water is for, e.g. "Outdoor bathing (organised)"; `default` for the original table. */
  designated_use: string;
  class?: string | null;
}

/** Agencies with a history API: CPCB RTWQMS, CWC and the Open-Meteo archive. */
export type BackfillSource = 'cpcb' | 'cwc' | 'openmeteo';

/** `POST /api/backfill` body. */
export interface BackfillRequest {
  source: BackfillSource;
  /** The id as the source names it (CPCB `UT67`, CWC `015-UYDDEL`; a hub station for Open-Meteo). */
  station: string;
  /** `YYYY-MM-DD`. */
  from: string;
  to: string;
  /** RTWQMS codes (`DO`, `EC`, …), CPCB only; absent = all. */
  parameters?: string[];
}

/** `POST /api/backfill` reply (202). */
export interface BackfillStarted {
  job: string;
  state: string;
}

/** A backfill job's progress (`GET /api/backfill` items; `backfill_progress` frames add `type`, `station_id`). */
export interface BackfillProgress {
  /** `<source>-<station>-<from>-<to>[-<codes>]`. */
  job: string;
  /** Chunks handled (fetched, failed or skipped) of `total`. */
  done: number;
  total: number;
  /** Chunks skipped because an earlier run finished them. */
  resumed: number;
  /** Values stored by this run, and of them new. */
  readings: number;
  new: number;
  /** The chunk just handled: a CPCB code or the first day of a window. */
  current: string;
  finished: boolean;
  /** `"<chunk>: <error>"` per failed chunk (retried by the next run). */
  failed_chunks: string[];
  /** Parameters the station has no history for on the server (plain CPCB backfill). */
  absent?: string[];
}

/** `POST /api/import?label=L` reply. */
export interface ImportReply {
  /** The table layout recognised, e.g. `nwmp_table`. */
  layout: string;
  /** Data rows. */
  rows: number;
  stations: number;
  /** Values read, and of them not stored before. */
  observations: number;
  new: number;
  /** Up to 50 reasons, plus `… and N more`. */
  skipped: string[];
}

/** Error body shared by REST and Tauri commands: `{"kind","message"}`. */
export class RpcError extends Error {
  kind: string;
  status: number | null;
  constructor(kind: string, message: string, status: number | null = null) {
    super(message);
    this.name = 'RpcError';
    this.kind = kind;
    this.status = status;
  }
}

/** Normalises anything thrown by a backend (Tauri error object, string, Error) to an RpcError. */
export function toRpcError(e: unknown, status: number | null = null): RpcError {
  if (e instanceof RpcError) return e;
  if (typeof e === 'object' && e !== null) {
    // Some endpoints wrap the body: `{"error": {"kind","message"}}`.
    const wrapped = (e as { error?: unknown }).error;
    if (typeof wrapped === 'object' && wrapped !== null && typeof (wrapped as { message?: unknown }).message === 'string') {
      return toRpcError(wrapped, status);
    }
    const o = e as { kind?: unknown; message?: unknown };
    if (typeof o.message === 'string') return new RpcError(typeof o.kind === 'string' ? o.kind : 'error', o.message, status);
  }
  if (typeof e === 'string') {
    try {
      const j = JSON.parse(e) as unknown;
      if (typeof j === 'object' && j !== null && typeof (j as { message?: unknown }).message === 'string') return toRpcError(j, status);
    } catch {
      /* plain text */
    }
    return new RpcError('error', e, status);
  }
  return new RpcError('error', String(e), status);
}

/** True for "there is nothing there" (HTTP 404 or kind `not_found`), e.g. no forecast yet. */
export function isNotFound(e: unknown): boolean {
  return e instanceof RpcError && (e.kind === 'not_found' || e.status === 404);
}

/** True for an action refused because this device is not trusted (HTTP 401 or kind `unauthorized`). */
export function isUnauthorized(e: unknown): boolean {
  return e instanceof RpcError && (e.kind === 'unauthorized' || e.status === 401);
}

/** True for a request the hub refuses as such (HTTP 400 or kind `bad_request`), e.g. no model for a parameter. */
export function isBadRequest(e: unknown): boolean {
  return e instanceof RpcError && (e.kind === 'bad_request' || e.status === 400);
}

export interface Backend {
  listStations(): Promise<Station[]>;
  stationReadings(id: string, parameter: string, from: string, to: string): Promise<Series>;
  /** Mean/min/max per bucket (or raw readings) over [from, to]; at most about 5,000 points. */
  stationSeries(id: string, parameter: string, from: string, to: string, resolution?: SeriesResolutionQuery): Promise<SeriesReply>;
  listAlerts(state?: AlarmState): Promise<Alarm[]>;
  ackAlert(id: number | string, by: string, note?: string): Promise<Alarm>;
  resolveAlert(id: number | string, by: string, note?: string): Promise<Alarm>;
  /** Assigns an active alarm (`null` clears the assignee). */
  assignAlert(id: number | string, assignee: string | null, by: string): Promise<Alarm>;
  stationForecast(id: string, parameter: string): Promise<ForecastReply>;
  /** How the station's stored forecasts of `parameter` did (n, MAE, P10–P90 coverage per horizon; 400/404 like the forecast). */
  forecastVerification(id: string, parameter: string): Promise<ForecastVerificationReply>;
  stationTrend(id: string, parameter: string, from?: string, to?: string): Promise<TrendReply>;
  stationAnomalies(id: string, parameter: string, from?: string, to?: string): Promise<AnomaliesReply>;
  health(): Promise<HealthReply>;
  /** Every connector's health (`GET /api/sources`; Tauri: `health().sources`). */
  sources(): Promise<ConnectorHealth[]>;
  /** Everything known about a station from every source. */
  stationComprehensive(id: string): Promise<ComprehensiveReply>;
  /** Sentinel-2 estimates beside the in-situ values over the last `days` (hub default 365; 404 unknown station, 400 bad days). */
  stationSatellite(id: string, days?: number): Promise<SatelliteReply>;
  /** Stations on record for a river, district or state with their status (404 `not_found` when none). */
  areaSummary(kind: AreaKind, name: string): Promise<AreaSummary>;
  /** Searches the India station catalogue. */
  catalogue(query?: CatalogueQuery): Promise<CatalogueReply>;
  /** Whether this caller may act, and as which paired device. */
  pairStatus(): Promise<PairStatus>;
  /** A one-time pairing code (trusted callers only; else 401 `unauthorized`). */
  pairStart(): Promise<PairStart>;
  /** Exchanges a code for a device token (403 `forbidden`, 429 `rate_limited`, 400 `bad_request`). */
  pair(code: string, name: string): Promise<PairReply>;
  /** Paired devices, revoked ones included (trusted callers only). */
  listDevices(): Promise<PairedDevice[]>;
  /** Revokes a device: its token stops working at once (404 when unknown). */
  revokeDevice(id: number): Promise<{ revoked: number }>;
  /** Criteria profiles (the original thresholds first). */
  listProfiles(): Promise<CriteriaProfile[]>;
  /** Grades a station under another profile; resolves to its regraded summary (401 untrusted, 400 unknown profile, 404 unknown station). */
  setStationProfile(id: string, profile: string): Promise<Station>;
  /** Starts a history backfill (202; 409 `conflict` while the same job runs). Browser only: the Tauri window has no command yet. */
  startBackfill(job: BackfillRequest): Promise<BackfillStarted>;
  /** Backfill jobs started since the hub started, with their progress. Browser only. */
  backfillJobs(): Promise<BackfillProgress[]>;
  /** Uploads an NWMP/MPCB station table (CSV or gzip, ≤ 16 MiB) under `label`. Browser only. */
  importTable(file: Blob, label: string): Promise<ImportReply>;
  subscribe(handler: MessageHandler): () => void;
  /** Drops the live connection and opens a new one at once (e.g. with a new device token). */
  reconnect?(): void;
  /** Closes the live connection for good (switching to another hub). */
  stop?(): void;
}

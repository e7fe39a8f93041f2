// Station state: the list from `listStations()`, patched in place by live
// `station_update` messages. Rows are deep `$state` proxies, so patching one
// station only re-renders what reads that station's fields.
import type { HubMessage, LatestValue, Station, StationUpdateData } from '../platform/types';

export interface StationRow extends Station {
  /** Last applied `seq` from the hub (0 = none yet). Exposed as `data-seq` for tests. */
  seq: number;
}

export interface StationStoreDeps {
  listStations: () => Promise<Station[]>;
  subscribe: (handler: (msg: HubMessage) => void) => () => void;
  now?: () => number;
  /**
   * Runs `flush` later, once per burst of live messages. Default: the next animation frame (with a
   * 250 ms timer as fallback for hidden tabs) in a browser, synchronous elsewhere (unit tests).
   */
  schedule?: ((flush: () => void) => void) | null;
}

export type UpdateListener = (stationId: string, data: StationUpdateData) => void;

/** Next animation frame, or after 250 ms when frames are throttled (background tab); whichever comes first. */
export function frameScheduler(): ((flush: () => void) => void) | null {
  if (typeof requestAnimationFrame !== 'function') return null;
  return (flush) => {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      flush();
    };
    const raf = requestAnimationFrame(run);
    const timer = setTimeout(run, 250);
  };
}

const collator = new Intl.Collator();

/** An unknown station id triggers at most one refetch per this interval. */
export const UNKNOWN_REFETCH_MIN_MS = 5_000;

const QUALITY_TO_Q: Record<string, number> = { good: 1, suspect: 3, bad: 4 };

function later(a: string | null, b: string | null | undefined): string | null {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

export class StationStore {
  byId: Record<string, StationRow> = $state({});
  /** Station ids sorted by name. */
  order: string[] = $state([]);
  loading = $state(true);
  error: string | null = $state(null);
  /** Newest `last_update` over all stations ("data as of"), kept up to date incrementally. */
  latestUpdate: string | null = $state(null);

  #deps: StationStoreDeps;
  #now: () => number;
  #inflight: Promise<void> | null = null;
  #again = false;
  #lastUnknownRefetch = -Infinity;
  #listeners = new Set<UpdateListener>();
  #unsub: (() => void) | null = null;
  #schedule: ((flush: () => void) => void) | null;
  #queue: HubMessage[] = [];
  #scheduled = false;
  /** Bumped by `clear()`: lists fetched before it are dropped. */
  #gen = 0;

  constructor(deps: StationStoreDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#schedule = deps.schedule === undefined ? frameScheduler() : deps.schedule;
  }

  start(): () => void {
    this.#unsub ??= this.#deps.subscribe((m) => this.enqueue(m));
    void this.refetch();
    return () => this.stop();
  }

  stop(): void {
    this.#unsub?.();
    this.#unsub = null;
    this.#queue = [];
  }

  /**
   * Live messages are applied in batches, once per animation frame, so 500 updates/s cost one
   * Svelte flush per frame instead of one per message. Order is kept; `flush()` applies at once.
   */
  enqueue(msg: HubMessage): void {
    if (!this.#schedule) {
      this.handle(msg);
      return;
    }
    this.#queue.push(msg);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.flush());
  }

  /** Applies every queued message now. */
  flush(): void {
    this.#scheduled = false;
    const q = this.#queue;
    this.#queue = [];
    for (const m of q) this.handle(m);
  }

  /** Called for every applied station update (the chart view appends live points). */
  onUpdate(fn: UpdateListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Forgets every station (switching to another hub); a list still on its way is dropped. */
  clear(): void {
    this.#gen++;
    this.#queue = [];
    this.byId = {};
    this.order = [];
    this.latestUpdate = null;
    this.loading = true;
    this.error = null;
  }

  get stations(): StationRow[] {
    return this.order.map((id) => this.byId[id]).filter(Boolean);
  }

  /** Fetches the station list; concurrent calls coalesce into one extra fetch. */
  refetch(): Promise<void> {
    if (this.#inflight) {
      this.#again = true;
      return this.#inflight;
    }
    this.#inflight = (async () => {
      do {
        this.#again = false;
        const gen = this.#gen;
        let list: Station[] | null = null;
        let error: string | null = null;
        try {
          list = await this.#deps.listStations();
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        // Asked before `clear()` (another hub): worthless now, ask again.
        if (gen !== this.#gen) {
          this.#again = true;
          continue;
        }
        try {
          if (error === null) this.#apply(list as Station[]);
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        this.error = error;
        this.loading = false;
      } while (this.#again);
    })().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  #apply(list: Station[]) {
    if (!Array.isArray(list)) throw new Error('station list is not an array');
    const seen = new Set<string>();
    for (const s of list) {
      if (!s || typeof s.id !== 'string') continue;
      seen.add(s.id);
      const row = this.byId[s.id];
      if (row) {
        Object.assign(row, { ...s, latest: { ...row.latest, ...(s.latest ?? {}) } });
        row.last_update = later(row.last_update, s.last_update);
      } else {
        this.byId[s.id] = { ...s, latest: s.latest ?? {}, seq: 0 };
      }
    }
    for (const id of Object.keys(this.byId)) if (!seen.has(id)) delete this.byId[id];
    this.#sort();
    let best: string | null = null;
    for (const s of list) if (seen.has(s.id)) best = later(best, this.byId[s.id]?.last_update);
    this.latestUpdate = best;
  }

  #sort() {
    // Read each name once: comparing through the $state proxies costs a signal read per access.
    const rows = Object.values(this.byId).map((s) => ({ id: s.id, name: s.name }));
    this.order = rows.sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id)).map((s) => s.id);
  }

  /** Resolves the key of an update: canonical `data.station_id`, else a legacy numeric id. */
  #resolveId(envelopeId: unknown, data: StationUpdateData): string | null {
    const candidates = [data.station_id, envelopeId].filter((x) => x !== undefined && x !== null).map(String);
    for (const c of candidates) if (this.byId[c]) return c;
    for (const c of candidates) {
      const n = Number(c);
      if (!Number.isInteger(n)) continue;
      const hit = Object.values(this.byId).find((s) => s.legacy_id === n);
      if (hit) return hit.id;
    }
    return null;
  }

  handle(msg: HubMessage): void {
    if (msg.type === 'resync') {
      // The stream restarted (reconnect or hub restart): seq may have reset.
      for (const row of Object.values(this.byId)) row.seq = 0;
      void this.refetch();
      return;
    }
    if (msg.type === 'alert') {
      // `station_offline` alerts flip the offline badge before the next list refetch.
      const a = msg.alert;
      if (a?.parameter_code !== 'station_offline') return;
      const id = this.#resolveId(msg.station_id, {});
      if (id !== null) this.byId[id].online = typeof a.state === 'string' && a.state.startsWith('cleared');
      return;
    }
    if (msg.type === 'station_profile') {
      const id = this.#resolveId(msg.station_id, {});
      if (id === null) return;
      if (msg.station && typeof msg.station === 'object') this.applySummary(msg.station);
      else this.byId[id].profile = msg.profile;
      return;
    }
    if (msg.type !== 'station_update') return;
    const data = msg.data;
    const id = this.#resolveId(msg.station_id, data);
    if (id === null) {
      this.#addProvisional(data);
      const now = this.#now();
      if (now - this.#lastUnknownRefetch >= UNKNOWN_REFETCH_MIN_MS) {
        this.#lastUnknownRefetch = now;
        void this.refetch();
      }
      return;
    }
    this.#patch(this.byId[id], data);
  }

  /**
   * Applies a regraded station summary (the reply of a profile change, or a `station_profile` frame):
   * profile, limits and alert level; the latest values only where they are newer than the ones shown.
   * Returns false for a station that is not in the list.
   */
  applySummary(summary: Partial<Station> & { id?: string }): boolean {
    const id = typeof summary?.id === 'string' ? summary.id : null;
    const row = id === null ? undefined : this.byId[id];
    if (!row) return false;
    if ('profile' in summary) row.profile = summary.profile ?? null;
    if ('limits' in summary) row.limits = summary.limits ?? null;
    if (summary.alert_level) row.alert_level = summary.alert_level;
    if (summary.latest && typeof summary.latest === 'object') {
      for (const [k, v] of Object.entries(summary.latest)) {
        const cur = row.latest[k];
        if (v && typeof v === 'object' && (!cur || Date.parse(v.t) > Date.parse(cur.t))) row.latest[k] = v;
      }
    }
    return true;
  }

  /** Shows a station we have not fetched yet right away; the refetch fills in the rest. */
  #addProvisional(data: StationUpdateData) {
    const id = typeof data.station_id === 'string' && data.station_id ? data.station_id : null;
    if (id === null) return;
    this.byId[id] = {
      id,
      name: data.station_name ?? id,
      legacy_id: null,
      location: null,
      source: typeof data.source === 'string' ? data.source : 'sensor',
      latest: {},
      wqi: null,
      class: null,
      mpcb_class: null,
      classification: null,
      status: null,
      alert_level: 'ok',
      last_update: null,
      seq: 0,
    };
    this.#sort();
    this.#patch(this.byId[id], data);
  }

  #patch(row: StationRow, data: StationUpdateData) {
    if (typeof data.seq === 'number') {
      if (data.seq <= row.seq) return; // duplicate or out of order
      row.seq = data.seq;
    }
    if (data.latest && typeof data.latest === 'object') {
      for (const [k, v] of Object.entries(data.latest)) {
        if (v && typeof v === 'object') row.latest[k] = v as LatestValue;
      }
    } else if (typeof data.parameter === 'string' && 'value' in data) {
      // Per-reading mode without a `latest` map.
      row.latest[data.parameter] = {
        value: typeof data.value === 'number' ? data.value : null,
        unit: data.unit ?? row.latest[data.parameter]?.unit ?? '',
        t: data.timestamp ?? new Date(this.#now()).toISOString(),
        q: QUALITY_TO_Q[String(data.quality)] ?? 2,
      };
    }
    if ('wqi' in data) row.wqi = typeof data.wqi === 'number' ? data.wqi : null;
    if ('class' in data) row.class = data.class ?? null;
    if ('mpcb_class' in data) row.mpcb_class = data.mpcb_class ?? null;
    if ('classification' in data) row.classification = data.classification ?? null;
    if ('status' in data) row.status = data.status ?? null;
    if (data.alert_level) row.alert_level = data.alert_level;
    if ('limits' in data) row.limits = data.limits ?? null;
    if ('profile' in data) row.profile = data.profile ?? null;
    if (typeof data.online === 'boolean') row.online = data.online;
    else if (row.online === false && typeof data.parameter === 'string') row.online = true; // it reported again
    if ('expected_interval_s' in data) row.expected_interval_s = typeof data.expected_interval_s === 'number' ? data.expected_interval_s : null;
    if (data.station_name && data.station_name !== row.name) {
      row.name = data.station_name;
      this.#sort();
    }
    row.last_update = later(row.last_update, data.timestamp);
    if (row.last_update !== this.latestUpdate) this.latestUpdate = later(this.latestUpdate, row.last_update);
    for (const fn of [...this.#listeners]) {
      try {
        fn(row.id, data);
      } catch (e) {
        console.error('update listener failed', e);
      }
    }
  }
}

/** Case-insensitive filter on name and id (and legacy id). */
export function filterStations<T extends Pick<Station, 'id' | 'name' | 'legacy_id'>>(list: T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return list;
  return list.filter(
    (s) => s.name.toLowerCase().includes(q) || s.id.toLowerCase().includes(q) || (s.legacy_id !== null && String(s.legacy_id) === q),
  );
}

// Forecast state of the open station: one slot per forecastable parameter, filled from
// `stationForecast()` and replaced by live `prediction_update` pushes. A 404 ("no forecast yet")
// or a failed request is retried every FORECAST_RETRY_MS while the station is open; a 400 (no
// model for that parameter) is final. A transport resync refetches everything.
import type { ForecastReply, HubMessage } from '../platform/types';
import { isBadRequest, isNotFound } from '../platform/types';
import { FORECAST_PARAMETERS, FORECAST_RETRY_MS, forecastsFromMessage, isNewer, parseForecast } from './forecast';

export type ForecastSlot =
  | { state: 'loading' }
  | { state: 'ok'; data: ForecastReply }
  /** The hub has no forecast (404); asked again later. */
  | { state: 'none'; message: string }
  /** The hub has no model for this parameter (400); not asked again. */
  | { state: 'nomodel'; message: string }
  /** Any other failure; asked again later. */
  | { state: 'error'; message: string };

export interface ForecastDeps {
  fetchForecast: (id: string, parameter: string) => Promise<ForecastReply>;
  subscribe: (handler: (msg: HubMessage) => void) => () => void;
  retryMs?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

/** Display order: FORECAST_PARAMETERS first, then anything else a push brought, by name. */
export function slotOrder(keys: Iterable<string>): string[] {
  const rank = (k: string) => {
    const i = (FORECAST_PARAMETERS as readonly string[]).indexOf(k);
    return i === -1 ? FORECAST_PARAMETERS.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export class ForecastStore {
  slots: Record<string, ForecastSlot> = $state({});

  #deps: ForecastDeps;
  #generation = 0;

  constructor(deps: ForecastDeps) {
    this.#deps = deps;
  }

  get order(): string[] {
    return slotOrder(Object.keys(this.slots));
  }

  /** Loads `parameters` of `stationId` and follows pushes for it until the returned stop is called. */
  start(stationId: string, parameters: readonly string[]): () => void {
    const gen = ++this.#generation;
    const setT = this.#deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    const clearT = this.#deps.clearTimeout ?? ((id) => clearTimeout(id as ReturnType<typeof setTimeout>));
    const retryMs = this.#deps.retryMs ?? FORECAST_RETRY_MS;
    const timers = new Map<string, unknown>();
    const live = () => gen === this.#generation;

    const cancelRetry = (p: string) => {
      const id = timers.get(p);
      if (id !== undefined) clearT(id);
      timers.delete(p);
    };
    const retryLater = (p: string) => {
      cancelRetry(p);
      timers.set(
        p,
        setT(() => {
          timers.delete(p);
          if (live()) load(p);
        }, retryMs),
      );
    };

    const load = (p: string) => {
      cancelRetry(p);
      this.#deps.fetchForecast(stationId, p).then(
        (reply) => {
          if (!live()) return;
          const f = parseForecast(reply);
          if (!f) {
            this.slots[p] = { state: 'none', message: '' };
            retryLater(p);
            return;
          }
          const cur = this.slots[p];
          if (cur?.state === 'ok' && !isNewer(cur.data, f)) return; // a push was newer
          this.slots[p] = { state: 'ok', data: f };
        },
        (e: unknown) => {
          if (!live()) return;
          if (isBadRequest(e)) {
            this.slots[p] = { state: 'nomodel', message: errText(e) };
          } else {
            this.slots[p] = isNotFound(e) ? { state: 'none', message: errText(e) } : { state: 'error', message: errText(e) };
            retryLater(p);
          }
        },
      );
    };

    this.slots = Object.fromEntries(parameters.map((p) => [p, { state: 'loading' } as ForecastSlot]));
    for (const p of parameters) load(p);

    const off = this.#deps.subscribe((msg) => {
      if (!live()) return;
      if (msg.type === 'resync') {
        for (const p of Object.keys(this.slots)) if (this.slots[p].state !== 'nomodel') load(p);
        return;
      }
      for (const f of forecastsFromMessage(msg, stationId)) {
        const cur = this.slots[f.parameter];
        if (cur?.state === 'ok' && !isNewer(cur.data, f)) continue;
        cancelRetry(f.parameter);
        this.slots[f.parameter] = { state: 'ok', data: f };
      }
    });

    return () => {
      if (live()) this.#generation++;
      for (const id of timers.values()) clearT(id);
      timers.clear();
      off();
    };
  }
}

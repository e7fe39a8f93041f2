// Verification state of one forecast panel: fetched once when the panel opens and again on every
// transport resync (never on forecast pushes). Newest request wins; a failure keeps the last data.
import type { ForecastVerificationReply, HubMessage } from '../platform/types';
import { isBadRequest, isNotFound } from '../platform/types';
import { parseVerification, type Verification } from './forecast-verification';

export type VerificationState =
  | { state: 'loading' }
  | { state: 'ok'; data: Verification }
  /** 404/400: the hub has nothing to verify for this station/parameter. */
  | { state: 'none'; message: string }
  | { state: 'error'; message: string };

export interface VerificationDeps {
  fetchVerification: (id: string, parameter: string) => Promise<ForecastVerificationReply>;
  subscribe?: (handler: (msg: HubMessage) => void) => () => void;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export class VerificationStore {
  current: VerificationState = $state({ state: 'loading' });

  #deps: VerificationDeps;
  #generation = 0;
  #request = 0;

  constructor(deps: VerificationDeps) {
    this.#deps = deps;
  }

  /** Loads `parameter` of `stationId` and reloads on resync until the returned stop is called. */
  start(stationId: string, parameter: string): () => void {
    const gen = ++this.#generation;
    const live = () => gen === this.#generation;
    this.current = { state: 'loading' };

    const load = () => {
      const req = ++this.#request;
      const fresh = () => live() && req === this.#request;
      this.#deps.fetchVerification(stationId, parameter).then(
        (reply) => {
          if (fresh()) this.current = { state: 'ok', data: parseVerification(reply) };
        },
        (e: unknown) => {
          if (!fresh()) return;
          if (isNotFound(e) || isBadRequest(e)) this.current = { state: 'none', message: errText(e) };
          else if (this.current.state !== 'ok') this.current = { state: 'error', message: errText(e) };
        },
      );
    };
    load();

    const off = this.#deps.subscribe?.((msg) => {
      if (live() && msg.type === 'resync') load();
    });

    return () => {
      if (live()) this.#generation++;
      off?.();
    };
  }
}

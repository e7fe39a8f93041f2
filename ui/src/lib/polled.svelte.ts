// One resource of the open station (the unified view, the satellite estimates …): fetched when the
// station opens, every `refreshMs` while the page is visible (lib/poll.ts) and on every transport
// resync. A failed refresh keeps the last data and reports the error beside it.
import type { HubMessage } from '../platform/types';
import { isNotFound } from '../platform/types';
import { poll, type PollDeps } from './poll';

export interface PolledDeps<T> {
  fetch: (id: string) => Promise<T>;
  subscribe: (handler: (msg: HubMessage) => void) => () => void;
  /** Fixed, or chosen after every load from what is shown (e.g. sooner while waiting for first data). */
  refreshMs: number | ((data: T | null) => number);
  pollDeps?: PollDeps;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export class PolledStore<T> {
  data: T | null = $state.raw(null);
  /** `loading` until the first answer; `missing` = the hub does not know the station (or the endpoint). */
  state: 'loading' | 'ok' | 'missing' | 'error' = $state('loading');
  /** The last failure (also set while older data is still shown). */
  error: string | null = $state(null);

  #deps: PolledDeps<T>;
  #generation = 0;

  constructor(deps: PolledDeps<T>) {
    this.#deps = deps;
  }

  /** Loads `stationId` and keeps it fresh until the returned stop is called. */
  start(stationId: string): () => void {
    const gen = ++this.#generation;
    const live = () => gen === this.#generation;
    this.data = null;
    this.state = 'loading';
    this.error = null;
    let seq = 0;

    const load = async () => {
      const mine = ++seq;
      try {
        const reply = await this.#deps.fetch(stationId);
        if (!live() || mine !== seq) return;
        this.data = reply;
        this.state = 'ok';
        this.error = null;
      } catch (e) {
        if (!live() || mine !== seq) return;
        this.error = errText(e);
        if (!this.data) this.state = isNotFound(e) ? 'missing' : 'error';
      }
    };

    const { refreshMs } = this.#deps;
    const interval = typeof refreshMs === 'function' ? () => refreshMs(this.data) : refreshMs;
    const stopPoll = poll(load, interval, this.#deps.pollDeps);
    const off = this.#deps.subscribe((msg) => {
      if (live() && msg.type === 'resync') void load();
    });
    return () => {
      if (live()) this.#generation++;
      stopPoll();
      off();
    };
  }
}

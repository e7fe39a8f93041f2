// The open station's unified view: fetched when the station opens, every COMP_REFRESH_MS while the
// page is visible (lib/poll.ts) and on every transport resync. A failed refresh keeps the last
// data and reports the error beside it.
import type { ComprehensiveReply, HubMessage } from '../platform/types';
import { isNotFound } from '../platform/types';
import { COMP_REFRESH_MS } from './comprehensive';
import { poll, type PollDeps } from './poll';

export interface ComprehensiveDeps {
  fetchComprehensive: (id: string) => Promise<ComprehensiveReply>;
  subscribe: (handler: (msg: HubMessage) => void) => () => void;
  refreshMs?: number;
  pollDeps?: PollDeps;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export class ComprehensiveStore {
  data: ComprehensiveReply | null = $state.raw(null);
  /** `loading` until the first answer; `missing` = the hub does not know the station (or the endpoint). */
  state: 'loading' | 'ok' | 'missing' | 'error' = $state('loading');
  /** The last failure (also set while older data is still shown). */
  error: string | null = $state(null);

  #deps: ComprehensiveDeps;
  #generation = 0;

  constructor(deps: ComprehensiveDeps) {
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
        const reply = await this.#deps.fetchComprehensive(stationId);
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

    const stopPoll = poll(load, this.#deps.refreshMs ?? COMP_REFRESH_MS, this.#deps.pollDeps);
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

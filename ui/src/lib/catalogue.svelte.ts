// Catalogue search state. Lives in App so the query and filters survive a visit to a station or an
// area summary. Typing is debounced (CATALOGUE_DEBOUNCE_MS); a state/river choice searches at once;
// only the newest request's answer is shown.
import type { CatalogueQuery, CatalogueReply } from '../platform/types';
import { CATALOGUE_DEBOUNCE_MS, CATALOGUE_LIMIT } from './catalogue';

export interface CatalogueDeps {
  fetchCatalogue: (query: CatalogueQuery) => Promise<CatalogueReply>;
  debounceMs?: number;
  limit?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export class CatalogueStore {
  q = $state('');
  stateFilter = $state('');
  river = $state('');
  reply: CatalogueReply | null = $state.raw(null);
  loading = $state(false);
  error: string | null = $state(null);

  #deps: CatalogueDeps;
  #timer: unknown = null;
  #seq = 0;
  /** The query of the reply shown (or being fetched), to skip repeating it. */
  #asked: string | null = null;

  constructor(deps: CatalogueDeps) {
    this.#deps = deps;
  }

  get query(): CatalogueQuery {
    return { q: this.q.trim(), state: this.stateFilter, river: this.river, limit: this.#deps.limit ?? CATALOGUE_LIMIT };
  }

  /** The search box changed: search after the debounce. */
  setText(q: string): void {
    this.q = q;
    this.#cancelTimer();
    const setT = this.#deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.#timer = setT(() => {
      this.#timer = null;
      void this.search();
    }, this.#deps.debounceMs ?? CATALOGUE_DEBOUNCE_MS);
  }

  setState(v: string): void {
    this.stateFilter = v;
    this.#cancelTimer();
    void this.search();
  }

  setRiver(v: string): void {
    this.river = v;
    this.#cancelTimer();
    void this.search();
  }

  clear(): void {
    this.q = '';
    this.stateFilter = '';
    this.river = '';
    this.#cancelTimer();
    void this.search();
  }

  /** View shown: search unless what is shown (or being fetched) already answers the current query. */
  ensure(): void {
    void this.search();
  }

  async search(force = false): Promise<void> {
    const query = this.query;
    const key = JSON.stringify(query);
    if (!force && key === this.#asked && !this.error) return;
    this.#asked = key;
    const mine = ++this.#seq;
    this.loading = true;
    try {
      const reply = await this.#deps.fetchCatalogue(query);
      if (mine !== this.#seq) return;
      this.reply = reply;
      this.error = null;
    } catch (e) {
      if (mine !== this.#seq) return;
      this.error = errText(e);
    } finally {
      if (mine === this.#seq) this.loading = false;
    }
  }

  /** Stops a pending debounced search (view closed). */
  stop(): void {
    this.#cancelTimer();
  }

  #cancelTimer(): void {
    if (this.#timer === null) return;
    const clearT = this.#deps.clearTimeout ?? ((id) => clearTimeout(id as ReturnType<typeof setTimeout>));
    clearT(this.#timer);
    this.#timer = null;
  }
}

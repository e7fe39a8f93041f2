// The open station's unified view: fetched when the station opens, every COMP_REFRESH_MS while the
// page is visible and on every transport resync (lib/polled.svelte.ts).
import type { ComprehensiveReply, HubMessage } from '../platform/types';
import { COMP_REFRESH_MS } from './comprehensive';
import { PolledStore } from './polled.svelte';
import type { PollDeps } from './poll';

export interface ComprehensiveDeps {
  fetchComprehensive: (id: string) => Promise<ComprehensiveReply>;
  subscribe: (handler: (msg: HubMessage) => void) => () => void;
  refreshMs?: number;
  pollDeps?: PollDeps;
}

export class ComprehensiveStore extends PolledStore<ComprehensiveReply> {
  constructor(deps: ComprehensiveDeps) {
    super({ fetch: deps.fetchComprehensive, subscribe: deps.subscribe, refreshMs: deps.refreshMs ?? COMP_REFRESH_MS, pollDeps: deps.pollDeps });
  }
}

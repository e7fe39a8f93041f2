// Alarm workflow view state: the list for one tab (open / acknowledged / resolved),
// the operator's name (remembered in localStorage) and acknowledge / resolve / assign actions.
// Any `alert` frame carrying an `alarm_id` (or a transport resync) refetches the list; the basis
// clause and confidence of level-change frames are kept per alarm (the list API has neither).
import type { Alarm, AlarmState, HubMessage } from '../platform/types';
import { isUnauthorized } from '../platform/types';
import type { FrameInfo } from './rules';

export const ALARM_TABS = ['open', 'acknowledged', 'resolved'] as const satisfies readonly AlarmState[];
export const OPERATOR_KEY = 'purehealth.operator';
export const OPERATOR_MAX = 64;
export const NOTE_MAX = 2000;
export const ASSIGNEE_MAX = 64;

type Store = Pick<Storage, 'getItem' | 'setItem'>;

function storage(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadOperator(s: Store | null = storage()): string {
  try {
    return (s?.getItem(OPERATOR_KEY) ?? '').slice(0, OPERATOR_MAX);
  } catch {
    return '';
  }
}

export function saveOperator(name: string, s: Store | null = storage()): void {
  try {
    s?.setItem(OPERATOR_KEY, name.slice(0, OPERATOR_MAX));
  } catch {
    /* storage disabled: the name still applies to this page */
  }
}

/** True when a hub message means the alarm list may have changed. */
export function affectsAlarms(msg: HubMessage): boolean {
  if (msg.type === 'resync') return true;
  return msg.type === 'alert' && msg.alert.alarm_id !== undefined && msg.alert.alarm_id !== null;
}

export interface AlarmApi {
  listAlerts(state?: AlarmState): Promise<Alarm[]>;
  ackAlert(id: number | string, by: string, note?: string): Promise<Alarm>;
  resolveAlert(id: number | string, by: string, note?: string): Promise<Alarm>;
  assignAlert(id: number | string, assignee: string | null, by: string): Promise<Alarm>;
  /** Called when the hub refused an action because this device is not trusted (401 `unauthorized`). */
  onUnauthorized?: () => void;
}

/**
 * Basis clause and confidence of a level-change `alert` frame (no `event`), or null. Timer and
 * operator frames (`event`, or no `confidence`) are skipped: they do not describe the data.
 */
export function frameInfo(msg: HubMessage): { id: string; info: FrameInfo } | null {
  if (msg.type !== 'alert') return null;
  const a = msg.alert;
  if (a.alarm_id === undefined || a.alarm_id === null || a.event) return null;
  const clause = typeof a.basis?.clause === 'string' && a.basis.clause ? a.basis.clause : null;
  const confidence = typeof a.confidence === 'string' && a.confidence ? a.confidence : null;
  if (!confidence) return null;
  return { id: String(a.alarm_id), info: { clause, confidence } };
}

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export class AlarmStore {
  tab: AlarmState = $state('open');
  items: Alarm[] = $state([]);
  loading = $state(false);
  loaded = $state(false);
  error: string | null = $state(null);
  /** Per-alarm action error (server message), keyed by alarm id. */
  actionErrors: Record<string, string> = $state({});
  /** Alarm ids whose last action was refused because this device is not paired. */
  unpaired: Record<string, boolean> = $state({});
  busy: Record<string, boolean> = $state({});
  operator = $state(loadOperator());
  /** Latest level-change frame per alarm id (basis clause, confidence). */
  frames: Record<string, FrameInfo> = $state({});

  #api: AlarmApi;
  #seq = 0;
  #store: Store | null;

  constructor(api: AlarmApi, store: Store | null = storage()) {
    this.#api = api;
    this.#store = store;
    this.operator = loadOperator(store);
  }

  setOperator(name: string): void {
    this.operator = name.slice(0, OPERATOR_MAX);
    saveOperator(this.operator, this.#store);
  }

  setTab(tab: AlarmState): Promise<void> {
    if (tab !== this.tab) {
      this.tab = tab;
      this.items = [];
      this.loaded = false;
    }
    return this.refresh();
  }

  /** Forgets the previous hub's alarms (switching hubs: alarm ids are per hub). */
  clear(): void {
    this.#seq++;
    this.items = [];
    this.loading = false;
    this.loaded = false;
    this.error = null;
    this.actionErrors = {};
    this.unpaired = {};
    this.busy = {};
    this.frames = {};
  }

  /** Fetches the current tab; responses to older requests are ignored. */
  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    const tab = this.tab;
    this.loading = true;
    try {
      const list = await this.#api.listAlerts(tab);
      if (seq !== this.#seq) return;
      this.items = Array.isArray(list) ? list : [];
      this.error = null;
      this.loaded = true;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = errText(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  handle(msg: HubMessage): void {
    const f = frameInfo(msg);
    if (f) this.frames = { ...this.frames, [f.id]: f.info };
    if (affectsAlarms(msg)) void this.refresh();
  }

  /**
   * Shows the tab that holds alarm `id` (the current tab first, then open, acknowledged,
   * resolved). Resolves true when found. Each tab is asked directly, so a refetch racing with
   * this (e.g. the transport's resync) cannot hide the alarm.
   */
  async locate(id: number | string): Promise<boolean> {
    const key = String(id);
    if (this.loaded && this.items.some((a) => String(a.id) === key)) return true;
    for (const tab of [this.tab, ...ALARM_TABS.filter((x) => x !== this.tab)]) {
      let list: Alarm[];
      try {
        list = await this.#api.listAlerts(tab);
      } catch {
        continue;
      }
      if (Array.isArray(list) && list.some((a) => String(a.id) === key)) {
        await this.setTab(tab);
        return true;
      }
    }
    if (!this.loaded) await this.refresh();
    return false;
  }

  ack(id: number | string, note?: string): Promise<boolean> {
    return this.#act(id, (by) => this.#api.ackAlert(id, by, note));
  }

  resolve(id: number | string, note?: string): Promise<boolean> {
    return this.#act(id, (by) => this.#api.resolveAlert(id, by, note));
  }

  /** Assigns an active alarm; an empty name clears the assignee. */
  assign(id: number | string, assignee: string): Promise<boolean> {
    const who = assignee.trim().slice(0, ASSIGNEE_MAX);
    return this.#act(id, (by) => this.#api.assignAlert(id, who || null, by));
  }

  async #act(id: number | string, call: (by: string) => Promise<Alarm>): Promise<boolean> {
    const key = String(id);
    // No name: `by` is left out and the hub records the paired device's name (else "operator").
    const by = this.operator.trim();
    this.busy = { ...this.busy, [key]: true };
    const { [key]: _drop, ...rest } = this.actionErrors;
    this.actionErrors = rest;
    const { [key]: _u, ...paired } = this.unpaired;
    this.unpaired = paired;
    try {
      const updated = await call(by);
      // Drop it from this tab if its state changed; the refetch below brings the truth.
      if (updated && updated.state !== this.tab) this.items = this.items.filter((a) => String(a.id) !== key);
      else if (updated && typeof updated === 'object') this.items = this.items.map((a) => (String(a.id) === key ? { ...a, ...updated } : a));
      void this.refresh();
      return true;
    } catch (e) {
      this.actionErrors = { ...this.actionErrors, [key]: errText(e) };
      if (isUnauthorized(e)) {
        this.unpaired = { ...this.unpaired, [key]: true };
        this.#api.onUnauthorized?.();
      }
      return false;
    } finally {
      const { [key]: _b, ...others } = this.busy;
      this.busy = others;
    }
  }
}

// Alert banners from `alert` messages. Recoveries (`cleared_*`) show as info.
//
// A newly raised alarm at or above the chosen minimum severity (default: critical), an
// escalation, or a reminder of an alarm not seen before becomes a *notice* instead: a pinned
// banner naming station, parameter and value with a link to the alarm, plus a beep unless sound
// is off or it is quiet hours (see lib/notify.ts). Each frame becomes either a notice or an
// ordinary banner, never both.
import type { HubMessage } from '../platform/types';
import { inQuietHours, markSeen, meetsMin, noticeKind, severityRank, type NoticeKind } from './notify';
import type { NotifyPrefs } from './settings.svelte';
import type { Tone } from './sound';

export interface AlertItem {
  key: number;
  stationId: string;
  severity: string;
  message: string;
  parameter: string | null;
  cleared: boolean;
  timestamp: string | null;
}

/**
 * What happened to a notice's sound: `played`; `off` (setting); `quiet` (quiet hours);
 * `throttled` (another beep just played); `blocked` (no audio, or blocked until a user gesture);
 * `pending` while the audio context resumes.
 */
export type SoundOutcome = 'played' | 'off' | 'quiet' | 'throttled' | 'blocked' | 'pending';

export interface AlarmNotice {
  key: number;
  kind: NoticeKind;
  alarmId: string;
  stationId: string;
  /** `station_name` from the frame (the banner prefers the station list's name). */
  stationName: string | null;
  /** Canonical parameter (`parameter_code`), else the frame's label. */
  parameter: string;
  parameterLabel: string | null;
  value: number | null;
  unit: string | null;
  severity: 'warning' | 'critical';
  message: string;
  timestamp: string | null;
  sound: SoundOutcome;
}

export const MAX_ALERTS = 5;
export const MAX_NOTICES = 5;
/** At most one beep per this many ms (a burst of alarms beeps once). */
export const SOUND_GAP_MS = 2000;

export interface AlertStoreOptions {
  /** Current notification preferences (default: banner for critical, sound on, no quiet hours). */
  prefs?: () => NotifyPrefs;
  /** Plays a tone; resolves true when it played. */
  play?: (tone: Tone) => Promise<boolean> | boolean;
  now?: () => Date;
}

const DEFAULT_PREFS: NotifyPrefs = { alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '' };

export class AlertStore {
  items: AlertItem[] = $state([]);
  notices: AlarmNotice[] = $state([]);
  #next = 1;
  #seen = new Set<string>();
  #lastSound = -Infinity;
  #prefs: () => NotifyPrefs;
  #play: (tone: Tone) => Promise<boolean> | boolean;
  #now: () => Date;

  constructor(opts: AlertStoreOptions = {}) {
    this.#prefs = opts.prefs ?? (() => DEFAULT_PREFS);
    this.#play = opts.play ?? (() => false);
    this.#now = opts.now ?? (() => new Date());
  }

  /** Forgets every banner and seen alarm (switching hubs: alarm ids are per hub). */
  clear(): void {
    this.items = [];
    this.notices = [];
    this.#seen.clear();
  }

  handle(msg: HubMessage): void {
    if (msg.type !== 'alert') return;
    const a = msg.alert;
    const kind = noticeKind(msg, this.#seen);
    markSeen(msg, this.#seen);
    const prefs = this.#prefs();
    if (kind && meetsMin(a.severity, prefs.notifyMin)) {
      this.#notify(msg, kind, prefs);
      return;
    }
    const cleared = typeof a.state === 'string' && a.state.startsWith('cleared');
    const item: AlertItem = {
      key: this.#next++,
      stationId: msg.station_id === undefined ? '' : String(msg.station_id),
      severity: cleared ? 'info' : String(a.severity ?? msg.priority ?? 'medium'),
      message: typeof a.message === 'string' && a.message ? a.message : `${a.parameter ?? ''} ${a.value ?? ''}`.trim(),
      parameter: typeof a.parameter === 'string' ? a.parameter : null,
      cleared,
      timestamp: msg.timestamp ?? null,
    };
    this.items = [item, ...this.items].slice(0, MAX_ALERTS);
  }

  #notify(msg: Extract<HubMessage, { type: 'alert' }>, kind: NoticeKind, prefs: NotifyPrefs): void {
    const a = msg.alert;
    const severity = severityRank(a.severity) >= 2 ? 'critical' : 'warning';
    const alarmId = String(a.alarm_id);
    const value = typeof a.value === 'number' && Number.isFinite(a.value) ? a.value : null;
    const key = this.#next++;
    const notice: AlarmNotice = {
      key,
      kind,
      alarmId,
      stationId: msg.station_id === undefined ? '' : String(msg.station_id),
      stationName: typeof a.station_name === 'string' && a.station_name ? a.station_name : null,
      parameter: typeof a.parameter_code === 'string' && a.parameter_code ? a.parameter_code : String(a.parameter ?? ''),
      parameterLabel: typeof a.parameter === 'string' ? a.parameter : null,
      value,
      unit: typeof a.unit === 'string' ? a.unit : null,
      severity,
      message: typeof a.message === 'string' ? a.message : '',
      timestamp: msg.timestamp ?? null,
      sound: this.#sound(key, kind === 'escalated' ? 'escalated' : severity, prefs),
    };
    // One notice per alarm: an escalation replaces (and re-shows) the earlier one.
    this.notices = [notice, ...this.notices.filter((n) => n.alarmId !== alarmId)].slice(0, MAX_NOTICES);
  }

  #sound(key: number, tone: Tone, prefs: NotifyPrefs): SoundOutcome {
    if (!prefs.alarmSound) return 'off';
    const now = this.#now();
    if (inQuietHours(prefs.quietFrom, prefs.quietTo, now)) return 'quiet';
    const t = now.getTime();
    if (t - this.#lastSound < SOUND_GAP_MS) return 'throttled';
    this.#lastSound = t;
    let r: Promise<boolean> | boolean;
    try {
      r = this.#play(tone);
    } catch {
      return 'blocked';
    }
    if (typeof r === 'boolean') return r ? 'played' : 'blocked';
    void Promise.resolve(r)
      .catch(() => false)
      .then((ok) => this.#setSound(key, ok ? 'played' : 'blocked'));
    return 'pending';
  }

  #setSound(key: number, sound: SoundOutcome) {
    if (this.notices.some((n) => n.key === key)) this.notices = this.notices.map((n) => (n.key === key ? { ...n, sound } : n));
  }

  dismiss(key: number): void {
    this.items = this.items.filter((i) => i.key !== key);
  }

  dismissNotice(key: number): void {
    this.notices = this.notices.filter((n) => n.key !== key);
  }
}

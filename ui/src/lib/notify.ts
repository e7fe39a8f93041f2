// Which `alert` frames deserve a prominent banner and a sound, and when the sound stays off
// (pure; unit tested). The hub sends one `alert` frame per alarm change (PROTOCOL §1.4c, §2.4):
// a raise or severity change (no `event`), operator actions (`workflow_state` acknowledged or
// resolved, or `event: "assigned"`), and timer-driven `event: "escalated" | "reminder"` frames.
import type { HubMessage } from '../platform/types';

export const NOTIFY_MINS = ['warning', 'critical'] as const;
export type NotifyMin = (typeof NOTIFY_MINS)[number];

/** What a notification is about: a new (or newly critical) alarm, an escalation, or a reminder of one not seen before. */
export type NoticeKind = 'raised' | 'escalated' | 'reminder';

/** 2 critical (and the legacy `high`), 1 warning, 0 anything else (info, cleared, unknown). */
export function severityRank(s: unknown): number {
  if (s === 'critical' || s === 'high') return 2;
  if (s === 'warning') return 1;
  return 0;
}

/** True when an alarm of `severity` reaches the minimum `min`. */
export function meetsMin(severity: unknown, min: NotifyMin): boolean {
  const r = severityRank(severity);
  return r > 0 && r >= severityRank(min);
}

/** Minutes since midnight of a `HH:MM` (or `HH:MM:SS`) string, else null. */
export function parseHHMM(s: string | null | undefined): number | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?$/.exec((s ?? '').trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** True when quiet hours are set: both ends valid and different. */
export function quietHoursSet(from: string, to: string): boolean {
  const f = parseHHMM(from);
  const t = parseHHMM(to);
  return f !== null && t !== null && f !== t;
}

/**
 * True when `now` (local time) is within quiet hours [from, to). A range whose end is earlier
 * than its start crosses midnight (22:00–06:00 = 22:00…23:59 and 00:00…05:59). Empty, invalid
 * or equal ends mean no quiet hours.
 */
export function inQuietHours(from: string, to: string, now: Date): boolean {
  const f = parseHHMM(from);
  const t = parseHHMM(to);
  if (f === null || t === null || f === t) return false;
  const m = now.getHours() * 60 + now.getMinutes();
  return f < t ? m >= f && m < t : m >= f || m < t;
}

/** How many alarm keys are remembered (oldest dropped first). */
export const SEEN_MAX = 5000;

const alarmKey = (msg: HubMessage): string | null => {
  if (msg.type !== 'alert') return null;
  const id = msg.alert.alarm_id;
  return id === undefined || id === null || id === '' ? null : String(id);
};

/**
 * Whether an `alert` frame is worth a notification, given the alarms already seen in this
 * session (`seen`, as kept by {@link markSeen}); null when it is not:
 * - only alarm frames (`alarm_id`) at warning or critical, not cleared and not for an
 *   acknowledged or resolved alarm (operator actions also arrive as frames);
 * - `event: "escalated"` always (re-notify);
 * - `event: "reminder"` only for an alarm not seen before; other events (`assigned`) never;
 * - a raise or severity change once per alarm and severity (a warning that becomes critical
 *   notifies again as critical; a critical that drops to warning does not).
 */
export function noticeKind(msg: HubMessage, seen: ReadonlySet<string>): NoticeKind | null {
  const id = alarmKey(msg);
  if (id === null || msg.type !== 'alert') return null;
  const a = msg.alert;
  const sev = severityRank(a.severity);
  if (sev === 0) return null;
  if (typeof a.state === 'string' && a.state.startsWith('cleared')) return null;
  if (a.workflow_state !== undefined && a.workflow_state !== null && a.workflow_state !== 'open') return null;
  if (a.state === 'active_ack') return null;
  const event = typeof a.event === 'string' && a.event ? a.event : null;
  if (event === 'escalated') return 'escalated';
  if (event === 'reminder') return seen.has(id) ? null : 'reminder';
  if (event !== null) return null;
  // A de-escalation (critical → warning) is not news.
  if (severityRank(a.previous_severity) > sev) return null;
  return seen.has(`${id}:${String(a.severity)}`) ? null : 'raised';
}

/** Remembers the alarm (and its severity) of an `alert` frame. */
export function markSeen(msg: HubMessage, seen: Set<string>): void {
  const id = alarmKey(msg);
  if (id === null || msg.type !== 'alert') return;
  seen.add(id);
  if (severityRank(msg.alert.severity) > 0) seen.add(`${id}:${String(msg.alert.severity)}`);
  while (seen.size > SEEN_MAX) {
    const first = seen.values().next().value;
    if (first === undefined) break;
    seen.delete(first);
  }
}

import { describe, expect, it } from 'vitest';
import type { AlertPayload, HubMessage } from '../platform/types';
import { SEEN_MAX, inQuietHours, markSeen, meetsMin, noticeKind, parseHHMM, quietHoursSet, severityRank } from './notify';

const at = (hh: number, mm: number) => new Date(2026, 10, 27, hh, mm, 30);

describe('quiet hours', () => {
  it('parses HH:MM (and HH:MM:SS from time inputs), rejects junk', () => {
    expect(parseHHMM('00:00')).toBe(0);
    expect(parseHHMM('7:05')).toBe(425);
    expect(parseHHMM('23:59')).toBe(1439);
    expect(parseHHMM('22:30:00')).toBe(1350);
    for (const bad of ['', '24:00', '12:60', 'noon', '1230', null, undefined]) expect(parseHHMM(bad)).toBeNull();
  });

  it('a same-day range includes its start and excludes its end', () => {
    expect(inQuietHours('13:00', '14:30', at(12, 59))).toBe(false);
    expect(inQuietHours('13:00', '14:30', at(13, 0))).toBe(true);
    expect(inQuietHours('13:00', '14:30', at(14, 29))).toBe(true);
    expect(inQuietHours('13:00', '14:30', at(14, 30))).toBe(false);
  });

  it('a range whose end is before its start crosses midnight', () => {
    const q = (h: number, m: number) => inQuietHours('22:00', '06:00', at(h, m));
    expect(q(21, 59)).toBe(false);
    expect(q(22, 0)).toBe(true);
    expect(q(23, 59)).toBe(true);
    expect(q(0, 0)).toBe(true);
    expect(q(5, 59)).toBe(true);
    expect(q(6, 0)).toBe(false);
    expect(q(12, 0)).toBe(false);
    // Ending exactly at midnight.
    expect(inQuietHours('23:00', '00:00', at(23, 30))).toBe(true);
    expect(inQuietHours('23:00', '00:00', at(0, 0))).toBe(false);
  });

  it('empty, invalid or equal ends mean no quiet hours', () => {
    expect(inQuietHours('', '', at(3, 0))).toBe(false);
    expect(inQuietHours('22:00', '', at(23, 0))).toBe(false);
    expect(inQuietHours('xx', '06:00', at(3, 0))).toBe(false);
    expect(inQuietHours('08:00', '08:00', at(8, 0))).toBe(false);
    expect(quietHoursSet('08:00', '08:00')).toBe(false);
    expect(quietHoursSet('22:00', '06:00')).toBe(true);
    expect(quietHoursSet('', '06:00')).toBe(false);
  });

  it('uses local time', () => {
    const d = new Date(2026, 0, 1, 2, 15);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const m = d.getHours() * 60 + d.getMinutes();
    expect(inQuietHours(hhmm(m), hhmm(m + 1), d)).toBe(true);
  });
});

describe('severity', () => {
  it('ranks and applies the minimum', () => {
    expect([severityRank('critical'), severityRank('high'), severityRank('warning'), severityRank('info'), severityRank(undefined)]).toEqual([2, 2, 1, 0, 0]);
    expect(meetsMin('critical', 'critical')).toBe(true);
    expect(meetsMin('warning', 'critical')).toBe(false);
    expect(meetsMin('warning', 'warning')).toBe(true);
    expect(meetsMin('critical', 'warning')).toBe(true);
    expect(meetsMin('info', 'warning')).toBe(false);
  });
});

const frame = (alert: AlertPayload): HubMessage => ({ type: 'alert', station_id: 'e2e-river', alert });
const raised = (id: number, severity = 'critical', extra: AlertPayload = {}) =>
  frame({ alarm_id: id, severity, state: 'active_unack', workflow_state: 'open', ...extra });

describe('noticeKind', () => {
  function run(msgs: HubMessage[]) {
    const seen = new Set<string>();
    return msgs.map((m) => {
      const k = noticeKind(m, seen);
      markSeen(m, seen);
      return k;
    });
  }

  it('notifies a new alarm once, not its repeats, reminders or operator frames', () => {
    expect(
      run([
        raised(1),
        raised(1), // same level again (e.g. the raise and the transition frame of one reading)
        raised(1, 'critical', { event: 'reminder' }),
        raised(1, 'critical', { event: 'assigned' }),
        frame({ alarm_id: 1, severity: 'critical', state: 'active_ack', workflow_state: 'acknowledged' }),
        frame({ alarm_id: 1, severity: 'info', state: 'cleared_ack', workflow_state: 'resolved' }),
      ]),
    ).toEqual(['raised', null, null, null, null, null]);
  });

  it('re-notifies escalations, even of an alarm already seen', () => {
    expect(run([raised(2), raised(2, 'critical', { event: 'escalated' }), raised(2, 'critical', { event: 'escalated' })])).toEqual([
      'raised',
      'escalated',
      'escalated',
    ]);
  });

  it('a warning that becomes critical notifies again; a reminder of an unseen alarm notifies', () => {
    expect(run([raised(3, 'warning'), raised(3, 'critical'), raised(3, 'warning'), raised(4, 'critical', { event: 'reminder' })])).toEqual([
      'raised',
      'raised',
      null,
      'reminder',
    ]);
  });

  it('a de-escalation of an alarm raised before the page opened does not notify', () => {
    expect(run([raised(9, 'warning', { previous_severity: 'critical' }), raised(10, 'critical', { previous_severity: 'warning' })])).toEqual([
      null,
      'raised',
    ]);
  });

  it('ignores cleared frames, info, frames without an alarm id, and acknowledged alarms', () => {
    expect(
      run([
        frame({ alarm_id: 5, severity: 'info', state: 'cleared_unack', workflow_state: 'resolved' }),
        frame({ alarm_id: 6, severity: 'critical', state: 'cleared_unack' }),
        frame({ severity: 'critical', state: 'active_unack', message: 'station offline' }),
        frame({ alarm_id: 7, severity: 'critical', state: 'active_ack' }),
        frame({ alarm_id: 8, severity: 'critical', workflow_state: 'acknowledged' }),
        { type: 'pong' },
      ]),
    ).toEqual([null, null, null, null, null, null]);
  });

  it('accepts older alarm frames without workflow_state or event', () => {
    expect(run([frame({ alarm_id: 'x', severity: 'critical', state: 'active_unack' })])).toEqual(['raised']);
  });

  it('forgets the oldest alarms beyond SEEN_MAX', () => {
    const seen = new Set<string>();
    for (let i = 0; i < SEEN_MAX; i++) markSeen(raised(i), seen);
    expect(seen.size).toBe(SEEN_MAX);
    expect(seen.has('0')).toBe(false);
    expect(seen.has(`${SEEN_MAX - 1}`)).toBe(true);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { AlertStore, MAX_ALERTS, MAX_NOTICES, SOUND_GAP_MS } from './alerts.svelte';
import type { NotifyPrefs } from './settings.svelte';
import type { Tone } from './sound';

describe('AlertStore', () => {
  it('shows alerts newest first, recoveries as info, and dismisses', () => {
    const s = new AlertStore();
    s.handle({ type: 'alert', station_id: 1, alert: { severity: 'critical', message: 'Critical DO', state: 'active_unack' }, priority: 'critical' });
    s.handle({ type: 'alert', station_id: 'x', alert: { severity: 'critical', message: 'DO recovered', state: 'cleared_unack' } });
    s.handle({ type: 'pong' });
    expect(s.items.map((i) => [i.stationId, i.severity, i.cleared, i.message])).toEqual([
      ['x', 'info', true, 'DO recovered'],
      ['1', 'critical', false, 'Critical DO'],
    ]);
    s.dismiss(s.items[0].key);
    expect(s.items.map((i) => i.message)).toEqual(['Critical DO']);
  });
  it('keeps at most MAX_ALERTS and synthesises a message when missing', () => {
    const s = new AlertStore();
    for (let i = 0; i < MAX_ALERTS + 3; i++) s.handle({ type: 'alert', alert: { parameter: 'pH', value: i } });
    expect(s.items).toHaveLength(MAX_ALERTS);
    expect(s.items[0].message).toBe(`pH ${MAX_ALERTS + 2}`);
    expect(s.items[0].severity).toBe('medium');
  });
});

describe('AlertStore notices (new-alarm banner and sound)', () => {
  const critical = (id: number, extra: Record<string, unknown> = {}) =>
    ({
      type: 'alert',
      station_id: 'e2e-river',
      timestamp: '2026-11-27T22:11:22.344Z',
      priority: 'critical',
      alert: {
        alarm_id: id,
        severity: 'critical',
        state: 'active_unack',
        workflow_state: 'open',
        parameter: 'Dissolved Oxygen',
        parameter_code: 'dissolved_oxygen',
        value: 1.5,
        unit: 'mg/L',
        station_name: 'E2E river',
        message: 'Dissolved Oxygen critically low: 1.5',
        ...extra,
      },
    }) as const;

  function setup(prefs: Partial<NotifyPrefs> = {}, start = new Date(2026, 10, 27, 12, 0, 0)) {
    let now = start.getTime();
    const play = vi.fn((_t: Tone) => true);
    const p: NotifyPrefs = { alarmSound: true, notifyMin: 'critical', quietFrom: '', quietTo: '', ...prefs };
    const s = new AlertStore({ prefs: () => p, play, now: () => new Date(now) });
    return { s, play, p, tick: (ms: number) => (now += ms) };
  }

  it('turns a new critical alarm into one notice with station, parameter, value, and beeps once', () => {
    const { s, play } = setup();
    s.handle(critical(7));
    s.handle(critical(7)); // the same level again: an ordinary banner, no second notice
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({
      kind: 'raised',
      alarmId: '7',
      stationId: 'e2e-river',
      stationName: 'E2E river',
      parameter: 'dissolved_oxygen',
      value: 1.5,
      unit: 'mg/L',
      severity: 'critical',
      sound: 'played',
    });
    expect(play.mock.calls).toEqual([['critical']]);
    expect(s.items).toHaveLength(1);
  });

  it('re-notifies an escalation (replacing the notice) but not reminders, clears or operator frames', () => {
    const { s, play, tick } = setup();
    s.handle(critical(7));
    s.dismissNotice(s.notices[0].key);
    tick(60_000);
    s.handle(critical(7, { event: 'reminder', reminders: 1 }));
    s.handle(critical(7, { event: 'assigned', assignee: 'team' }));
    s.handle(critical(7, { state: 'active_ack', workflow_state: 'acknowledged' }));
    expect(s.notices).toHaveLength(0);
    s.handle(critical(7, { event: 'escalated', escalated: true }));
    expect(s.notices.map((n) => [n.alarmId, n.kind])).toEqual([['7', 'escalated']]);
    tick(60_000);
    s.handle(critical(7, { event: 'escalated', escalated: true }));
    expect(s.notices).toHaveLength(1);
    s.handle({ type: 'alert', station_id: 'e2e-river', alert: { alarm_id: 7, severity: 'info', state: 'cleared_unack', workflow_state: 'resolved' } });
    expect(s.notices).toHaveLength(1);
    expect(play.mock.calls).toEqual([['critical'], ['escalated'], ['escalated']]);
    // Ordinary banners for everything that was not a notice (at most MAX_ALERTS).
    expect(s.items.map((i) => i.severity)).toEqual(['info', 'critical', 'critical', 'critical']);
  });

  it('warnings are ordinary banners unless the minimum severity is warning', () => {
    const a = setup();
    a.s.handle(critical(1, { severity: 'warning' }));
    expect(a.s.notices).toHaveLength(0);
    expect(a.s.items).toHaveLength(1);
    expect(a.play).not.toHaveBeenCalled();
    const b = setup({ notifyMin: 'warning' });
    b.s.handle(critical(1, { severity: 'warning' }));
    expect(b.s.notices.map((n) => n.severity)).toEqual(['warning']);
    expect(b.play.mock.calls).toEqual([['warning']]);
    expect(b.s.items).toHaveLength(0);
  });

  it('no sound when it is off or in quiet hours (the banner still shows); one beep per burst', () => {
    const off = setup({ alarmSound: false });
    off.s.handle(critical(1));
    expect(off.s.notices[0].sound).toBe('off');
    expect(off.play).not.toHaveBeenCalled();

    const night = setup({ quietFrom: '22:00', quietTo: '06:00' }, new Date(2026, 10, 27, 23, 30));
    night.s.handle(critical(1));
    expect(night.s.notices[0].sound).toBe('quiet');
    expect(night.play).not.toHaveBeenCalled();
    night.tick(7 * 3600_000); // 06:30: quiet hours are over
    night.s.handle(critical(2));
    expect(night.s.notices[0].sound).toBe('played');

    const burst = setup();
    burst.s.handle(critical(1));
    burst.s.handle(critical(2));
    burst.tick(SOUND_GAP_MS);
    burst.s.handle(critical(3));
    expect(burst.s.notices.map((n) => n.sound)).toEqual(['played', 'throttled', 'played']);
    expect(burst.play).toHaveBeenCalledTimes(2);
  });

  it('records a blocked or asynchronous sound, and survives a throwing player', async () => {
    const pending = new AlertStore({ play: () => Promise.resolve(false) });
    pending.handle(critical(1));
    expect(pending.notices[0].sound).toBe('pending');
    await vi.waitFor(() => expect(pending.notices[0].sound).toBe('blocked'));
    const throwing = new AlertStore({
      play: () => {
        throw new Error('no audio');
      },
    });
    expect(() => throwing.handle(critical(1))).not.toThrow();
    expect(throwing.notices[0].sound).toBe('blocked');
  });

  it('keeps at most MAX_NOTICES, newest first', () => {
    const { s } = setup({ alarmSound: false });
    for (let i = 0; i < MAX_NOTICES + 2; i++) s.handle(critical(i));
    expect(s.notices.map((n) => n.alarmId)).toEqual(['6', '5', '4', '3', '2']);
  });
});

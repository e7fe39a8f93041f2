import { describe, expect, it } from 'vitest';
import { AlertStore, MAX_ALERTS } from './alerts.svelte';

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

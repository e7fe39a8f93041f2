import { describe, expect, it, vi } from 'vitest';
import { memStorage } from '../testing/memStorage';
import type { Alarm, AlarmState } from '../platform/types';
import { RpcError } from '../platform/types';
import { AlarmStore, OPERATOR_KEY, affectsAlarms, frameInfo, loadOperator, saveOperator, type AlarmApi } from './alarms.svelte';

function alarm(id: number, state: AlarmState, extra: Partial<Alarm> = {}): Alarm {
  return {
    id,
    station_id: 'MH-1',
    parameter: 'ph',
    rule: 'threshold',
    profile: 'legacy.purehealth_v6',
    severity: 'warning',
    state,
    opened_at: '2026-11-27T10:00:00Z',
    updated_at: '2026-11-27T10:05:00Z',
    last_value: 9.1,
    peak_value: 9.4,
    occurrences: 2,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    note: null,
    ...extra,
  };
}

const memStore = memStorage;

function fakeApi(db: Alarm[]) {
  const api = {
    listAlerts: vi.fn(async (state?: AlarmState) => db.filter((a) => !state || a.state === state).map((a) => ({ ...a }))),
    ackAlert: vi.fn(async (id: number | string, by: string, note?: string) => {
      const a = db.find((x) => String(x.id) === String(id));
      if (!a || a.state === 'resolved') throw new RpcError('not_found', `unknown alarm ${id}`, 404);
      if (a.state === 'acknowledged') throw new RpcError('conflict', `alarm ${id} is already acknowledged`, 409);
      Object.assign(a, { state: 'acknowledged', acknowledged_by: by, acknowledged_at: '2026-11-27T11:00:00Z', note: note || null });
      return { ...a };
    }),
    resolveAlert: vi.fn(async (id: number | string, by: string, note?: string) => {
      const a = db.find((x) => String(x.id) === String(id));
      if (!a || a.state === 'resolved') throw new RpcError('not_found', `unknown alarm ${id}`, 404);
      Object.assign(a, { state: 'resolved', resolved_by: by, resolved_at: '2026-11-27T12:00:00Z', note: note || a.note });
      return { ...a };
    }),
    assignAlert: vi.fn(async (id: number | string, assignee: string | null, _by: string) => {
      const a = db.find((x) => String(x.id) === String(id));
      if (!a || a.state === 'resolved') throw new RpcError('not_found', `no active alarm ${id}`, 404);
      Object.assign(a, { assignee });
      return { ...a };
    }),
  } satisfies AlarmApi;
  return api;
}

describe('operator name', () => {
  it('is remembered in storage and capped at 64 characters', () => {
    const s = memStore();
    expect(loadOperator(s)).toBe('');
    saveOperator('x'.repeat(80), s);
    expect(s.m.get(OPERATOR_KEY)).toHaveLength(64);
    const store = new AlarmStore(fakeApi([]), memStore({ [OPERATOR_KEY]: 'asha' }));
    expect(store.operator).toBe('asha');
  });
  it('survives a storage that throws', () => {
    const bad = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadOperator(bad)).toBe('');
    expect(() => saveOperator('a', bad)).not.toThrow();
  });
});

describe('affectsAlarms', () => {
  it('refetches on alarm frames and resync only', () => {
    expect(affectsAlarms({ type: 'resync' })).toBe(true);
    expect(affectsAlarms({ type: 'alert', alert: { alarm_id: 4, workflow_state: 'open', state: 'active_unack' } })).toBe(true);
    expect(affectsAlarms({ type: 'alert', alert: { message: 'legacy' } })).toBe(false);
    expect(affectsAlarms({ type: 'pong' })).toBe(false);
  });
});

describe('AlarmStore', () => {
  it('loads the selected tab and switches tabs', async () => {
    const api = fakeApi([alarm(1, 'open'), alarm(2, 'acknowledged'), alarm(3, 'resolved')]);
    const s = new AlarmStore(api, memStore());
    await s.refresh();
    expect(s.items.map((a) => a.id)).toEqual([1]);
    expect(s.loaded).toBe(true);
    await s.setTab('resolved');
    expect(s.tab).toBe('resolved');
    expect(s.items.map((a) => a.id)).toEqual([3]);
    expect(api.listAlerts.mock.calls.map((c) => c[0])).toEqual(['open', 'resolved']);
  });

  it('acknowledges as the operator, moves the alarm off the open tab and refetches', async () => {
    const db = [alarm(1, 'open'), alarm(2, 'open')];
    const api = fakeApi(db);
    const s = new AlarmStore(api, memStore());
    s.setOperator('e2e');
    await s.refresh();
    expect(await s.ack(1, 'probe cleaned')).toBe(true);
    expect(api.ackAlert).toHaveBeenCalledWith(1, 'e2e', 'probe cleaned');
    await vi.waitFor(() => expect(s.items.map((a) => a.id)).toEqual([2]));
    await s.setTab('acknowledged');
    expect(s.items[0]).toMatchObject({ id: 1, acknowledged_by: 'e2e', note: 'probe cleaned' });
  });

  it('sends no name when none is set (the hub records the paired device, else "operator")', async () => {
    const api = fakeApi([alarm(1, 'open')]);
    const s = new AlarmStore(api, memStore());
    s.setOperator('   ');
    await s.resolve(1);
    expect(api.resolveAlert).toHaveBeenCalledWith(1, '', undefined);
  });

  it('marks an action refused as unauthorized (not paired) and reports it once', async () => {
    const onUnauthorized = vi.fn();
    const api = { ...fakeApi([alarm(3, 'open')]), onUnauthorized };
    api.ackAlert.mockRejectedValueOnce(new RpcError('unauthorized', 'pair this device first …', 401));
    const s = new AlarmStore(api, memStore());
    await s.refresh();
    expect(await s.ack(3)).toBe(false);
    expect(s.unpaired['3']).toBe(true);
    expect(s.actionErrors['3']).toBe('pair this device first …');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    // Any other failure is not "not paired"; a success clears the mark.
    api.resolveAlert.mockRejectedValueOnce(new RpcError('conflict', 'busy', 409));
    expect(await s.resolve(3)).toBe(false);
    expect(s.unpaired['3']).toBeUndefined();
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(await s.ack(3)).toBe(true);
    expect(s.unpaired['3']).toBeUndefined();
    expect(s.actionErrors['3']).toBeUndefined();
  });

  it('shows the server message inline on a failed action and keeps the row', async () => {
    const api = fakeApi([alarm(5, 'acknowledged')]);
    const s = new AlarmStore(api, memStore());
    await s.refresh(); // open tab: empty
    s.items = [alarm(5, 'open')]; // stale view of an alarm someone else acknowledged
    expect(await s.ack(5)).toBe(false);
    expect(s.actionErrors['5']).toBe('alarm 5 is already acknowledged');
    expect(s.busy['5']).toBeUndefined();
    // A later success clears the error.
    expect(await s.resolve(5)).toBe(true);
    expect(s.actionErrors['5']).toBeUndefined();
  });

  it('reports list errors and ignores out-of-order responses', async () => {
    let release: (v: Alarm[]) => void = () => {};
    const api: AlarmApi = {
      listAlerts: vi
        .fn()
        .mockImplementationOnce(() => new Promise<Alarm[]>((r) => (release = r)))
        .mockResolvedValueOnce([alarm(9, 'open')])
        .mockRejectedValueOnce(new RpcError('storage', 'db locked', 500)),
      ackAlert: vi.fn(),
      resolveAlert: vi.fn(),
      assignAlert: vi.fn(),
    };
    const s = new AlarmStore(api, memStore());
    const first = s.refresh();
    await s.refresh();
    release([alarm(1, 'open')]);
    await first;
    expect(s.items.map((a) => a.id)).toEqual([9]);
    await s.refresh();
    expect(s.error).toBe('db locked');
    expect(s.items.map((a) => a.id)).toEqual([9]);
  });

  it('refetches when an alarm frame arrives', async () => {
    const api = fakeApi([alarm(1, 'open')]);
    const s = new AlarmStore(api, memStore());
    s.handle({ type: 'alert', station_id: 'MH-1', alert: { alarm_id: 1, workflow_state: 'open', state: 'active_unack' } });
    s.handle({ type: 'station_update', data: {} });
    await vi.waitFor(() => expect(s.items).toHaveLength(1));
    expect(api.listAlerts).toHaveBeenCalledTimes(1);
  });

  it('assigns as the operator, shows the new assignee at once, and unassigns with an empty name', async () => {
    const db = [alarm(1, 'open'), alarm(2, 'acknowledged')];
    const api = fakeApi(db);
    const s = new AlarmStore(api, memStore());
    s.setOperator('asha');
    await s.refresh();
    expect(await s.assign(1, '  e2e-team ')).toBe(true);
    expect(api.assignAlert).toHaveBeenLastCalledWith(1, 'e2e-team', 'asha');
    expect(s.items.find((a) => a.id === 1)?.assignee).toBe('e2e-team');
    expect(s.tab).toBe('open');
    expect(await s.assign(1, '   ')).toBe(true);
    expect(api.assignAlert).toHaveBeenLastCalledWith(1, null, 'asha');
    await vi.waitFor(() => expect(s.items.find((a) => a.id === 1)?.assignee).toBeNull());
    // An acknowledged alarm is still active and can be assigned; a resolved one cannot.
    expect(await s.assign(2, 'b'.repeat(80))).toBe(true);
    expect(api.assignAlert).toHaveBeenLastCalledWith(2, 'b'.repeat(64), 'asha');
    db[1].state = 'resolved';
    expect(await s.assign(2, 'x')).toBe(false);
    expect(s.actionErrors['2']).toBe('no active alarm 2');
  });

  it('keeps basis and confidence of level-change frames, not of timer or operator frames', () => {
    const s = new AlarmStore(fakeApi([]), memStore());
    const basis = { profile: 'legacy.purehealth_v6', clause: 'original Phase 6 quality thresholds' };
    s.handle({ type: 'alert', alert: { alarm_id: 3, workflow_state: 'open', basis, confidence: 'qc_suspect' } });
    s.handle({ type: 'alert', alert: { alarm_id: 3, event: 'reminder', basis: { clause: 'legacy.purehealth_v6.ph' }, confidence: 'provisional' } });
    s.handle({ type: 'alert', alert: { alarm_id: 3, workflow_state: 'acknowledged', basis } });
    expect(s.frames['3']).toEqual({ clause: 'original Phase 6 quality thresholds', confidence: 'qc_suspect' });
    expect(frameInfo({ type: 'alert', alert: { message: 'no alarm id', confidence: 'provisional' } })).toBeNull();
    expect(frameInfo({ type: 'pong' })).toBeNull();
  });

  it('locates an alarm in whichever tab holds it', async () => {
    const api = fakeApi([alarm(1, 'open'), alarm(2, 'acknowledged'), alarm(3, 'resolved')]);
    const s = new AlarmStore(api, memStore());
    await s.refresh();
    expect(await s.locate(1)).toBe(true);
    expect(api.listAlerts).toHaveBeenCalledTimes(1);
    expect(await s.locate('3')).toBe(true);
    expect(s.tab).toBe('resolved');
    expect(await s.locate(2)).toBe(true);
    expect(s.tab).toBe('acknowledged');
    expect(await s.locate(99)).toBe(false);
    expect(api.listAlerts).toHaveBeenCalledTimes(12); // 1 + 0 + (3 + 1) + (3 + 1) + 3
  });

  it('locate is not fooled by a refetch racing with it', async () => {
    const api = fakeApi([alarm(1, 'open'), alarm(2, 'acknowledged')]);
    const s = new AlarmStore(api, memStore());
    const found = s.locate(2);
    s.handle({ type: 'resync' }); // the transport's first resync, while locating
    expect(await found).toBe(true);
    await vi.waitFor(() => expect(s.items.map((a) => a.id)).toEqual([2]));
    expect(s.tab).toBe('acknowledged');
  });
});

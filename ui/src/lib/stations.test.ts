import { describe, expect, it, vi } from 'vitest';
import { StationStore, UNKNOWN_REFETCH_MIN_MS, filterStations } from './stations.svelte';
import type { HubMessage, Station, StationUpdateData } from '../platform/types';

function station(id: string, over: Partial<Station> = {}): Station {
  return {
    id,
    name: `Station ${id}`,
    legacy_id: null,
    location: null,
    source: 'sensor',
    latest: { ph: { value: 7.1, unit: 'pH', t: '2026-11-27T10:00:00Z', q: 1 } },
    wqi: 70,
    class: 'A',
    mpcb_class: 'A-I',
    classification: 'Good to Excellent',
    status: 'Non Polluted',
    alert_level: 'ok',
    last_update: '2026-11-27T10:00:00Z',
    ...over,
  };
}

function update(data: StationUpdateData, envelopeId: string | number = data.station_id ?? ''): HubMessage {
  return { type: 'station_update', station_id: envelopeId, timestamp: '2026-11-27T10:05:01Z', data };
}

async function setup(list: Station[] = [station('a'), station('b', { legacy_id: 7 })]) {
  let handler: ((m: HubMessage) => void) | null = null;
  let now = 1_000_000;
  const listStations = vi.fn(async () => structuredClone(list));
  const store = new StationStore({
    listStations,
    subscribe: (h) => {
      handler = h;
      return () => (handler = null);
    },
    now: () => now,
  });
  store.start();
  await vi.waitFor(() => expect(store.loading).toBe(false));
  return {
    store,
    listStations,
    list,
    send: (m: HubMessage) => handler!(m),
    advance: (ms: number) => (now += ms),
  };
}

describe('StationStore', () => {
  it('loads the list sorted by name', async () => {
    const { store } = await setup([station('z', { name: 'Zeta' }), station('y', { name: 'Alpha' })]);
    expect(store.stations.map((s) => s.id)).toEqual(['y', 'z']);
    expect(store.error).toBeNull();
  });

  it('patches only the station named by data.station_id', async () => {
    const { store, send } = await setup();
    const bBefore = JSON.parse(JSON.stringify(store.byId.b));
    send(
      update({
        station_id: 'a',
        timestamp: '2026-11-27T10:05:00Z',
        latest: { dissolved_oxygen: { value: 3.1, unit: 'mg/L', t: '2026-11-27T10:05:00Z', q: 3 } },
        wqi: 41.26,
        class: 'C',
        status: 'Polluted',
        alert_level: 'warning',
        seq: 5,
      }),
    );
    const a = store.byId.a;
    expect(a.wqi).toBe(41.26);
    expect(a.class).toBe('C');
    expect(a.status).toBe('Polluted');
    expect(a.alert_level).toBe('warning');
    expect(a.seq).toBe(5);
    expect(a.last_update).toBe('2026-11-27T10:05:00Z');
    // latest is merged per parameter, not replaced
    expect(Object.keys(a.latest).sort()).toEqual(['dissolved_oxygen', 'ph']);
    expect(a.latest.dissolved_oxygen.q).toBe(3);
    // keys absent from the update are left alone
    expect(a.classification).toBe('Good to Excellent');
    expect(JSON.parse(JSON.stringify(store.byId.b))).toEqual(bBefore);
  });

  it('ignores duplicate or out-of-order seq', async () => {
    const { store, send } = await setup();
    send(update({ station_id: 'a', wqi: 50, seq: 10 }));
    send(update({ station_id: 'a', wqi: 20, seq: 9 }));
    send(update({ station_id: 'a', wqi: 21, seq: 10 }));
    expect(store.byId.a.wqi).toBe(50);
    send(update({ station_id: 'a', wqi: null, seq: 11 }));
    expect(store.byId.a.wqi).toBeNull();
  });

  it('resolves legacy numeric ids when data.station_id is not canonical', async () => {
    const { store, send, listStations } = await setup();
    send(update({ station_id: '7', wqi: 12.5, seq: 1 }, 7));
    expect(store.byId.b.wqi).toBe(12.5);
    expect(listStations).toHaveBeenCalledTimes(1);
  });

  it('an unknown station shows at once and triggers a (rate-limited) refetch', async () => {
    const { store, send, listStations, list, advance } = await setup();
    list.push(station('new', { name: 'New one', wqi: 99 }));
    send(update({ station_id: 'new', station_name: 'New one', wqi: 88, seq: 3 }));
    expect(store.byId.new?.name).toBe('New one');
    await vi.waitFor(() => expect(listStations).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(store.byId.new.wqi).toBe(99));
    expect(store.byId.new.seq).toBe(3); // refetch keeps the live seq

    // Ids the hub keeps sending but never lists do not cause a refetch storm.
    send(update({ station_id: 'ghost', seq: 4 }));
    send(update({ station_id: 'ghost2', seq: 5 }));
    send(update({ station_id: 'ghost3', seq: 6 }));
    await vi.waitFor(() => expect(listStations).toHaveBeenCalledTimes(2));
    advance(UNKNOWN_REFETCH_MIN_MS);
    send(update({ station_id: 'ghost4', seq: 7 }));
    await vi.waitFor(() => expect(listStations).toHaveBeenCalledTimes(3));
  });

  it('resync refetches, drops vanished stations and resets the seq guard', async () => {
    const { store, send, listStations, list } = await setup();
    send(update({ station_id: 'a', wqi: 50, seq: 100 }));
    list.splice(1, 1); // b disappears
    const rowA = store.byId.a;
    send({ type: 'resync' });
    await vi.waitFor(() => expect(listStations).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(store.byId.b).toBeUndefined());
    expect(store.byId.a).toBe(rowA); // patched in place, not replaced
    send(update({ station_id: 'a', wqi: 33, seq: 1 })); // hub restarted: seq starts over
    expect(store.byId.a.wqi).toBe(33);
  });

  it('applies per-reading updates without a latest map', async () => {
    const { store, send } = await setup();
    send(update({ station_id: 'a', parameter: 'turbidity', value: 0, unit: 'NTU', quality: 'suspect', timestamp: '2026-11-27T10:06:00Z' }));
    expect(store.byId.a.latest.turbidity).toEqual({ value: 0, unit: 'NTU', t: '2026-11-27T10:06:00Z', q: 3 });
  });

  it('notifies update listeners with the resolved id', async () => {
    const { store, send } = await setup();
    const fn = vi.fn();
    const off = store.onUpdate(fn);
    send(update({ station_id: '7', seq: 1 }, 7));
    expect(fn).toHaveBeenCalledWith('b', expect.objectContaining({ seq: 1 }));
    off();
    send(update({ station_id: 'a', seq: 2 }));
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('reports load errors and ignores other message types', async () => {
    const store = new StationStore({
      listStations: async () => {
        throw new Error('HTTP 500');
      },
      subscribe: () => () => {},
    });
    await store.refetch();
    expect(store.error).toBe('HTTP 500');
    expect(store.loading).toBe(false);
    store.handle({ type: 'pong' });
    expect(store.stations).toEqual([]);
  });

  it('coalesces concurrent refetches', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const listStations = vi.fn(async () => {
      await gate;
      return [station('a')];
    });
    const store = new StationStore({ listStations, subscribe: () => () => {} });
    const p = store.refetch();
    void store.refetch();
    void store.refetch();
    release();
    await p;
    await vi.waitFor(() => expect(listStations).toHaveBeenCalledTimes(2));
  });
});

describe('filterStations', () => {
  const list = [station('apacpwq', { name: 'Apalachicola Cat Point' }), station('MH-PUN-1', { name: 'Mula-Mutha Pune', legacy_id: 1 })];
  it('matches name or id case-insensitively', () => {
    expect(filterStations(list, 'cat').map((s) => s.id)).toEqual(['apacpwq']);
    expect(filterStations(list, 'mh-pun').map((s) => s.id)).toEqual(['MH-PUN-1']);
    expect(filterStations(list, ' 1 ').map((s) => s.id)).toEqual(['MH-PUN-1']);
    expect(filterStations(list, '')).toHaveLength(2);
    expect(filterStations(list, 'nothing')).toEqual([]);
  });
});

describe('limits, profile and online state', () => {
  it('takes limits/profile/online from updates and station_offline alerts', async () => {
    const { store, send } = await setup([station('a'), station('b', { legacy_id: 7 })]);
    const limits = { ph: { warn_low: 6, warn_high: 9, crit_low: 5, crit_high: 10 } };
    send(update({ station_id: 'a', seq: 1, limits, profile: 'legacy.purehealth_v6', online: true, expected_interval_s: 300 }));
    expect(store.byId.a.limits).toEqual(limits);
    expect(store.byId.a.profile).toBe('legacy.purehealth_v6');
    expect(store.byId.a.online).toBe(true);
    expect(store.byId.a.expected_interval_s).toBe(300);

    send({ type: 'alert', station_id: 7, alert: { parameter_code: 'station_offline', state: 'active_unack', severity: 'warning' } });
    expect(store.byId.b.online).toBe(false);
    send({ type: 'alert', station_id: 7, alert: { parameter_code: 'station_offline', state: 'cleared_unack', severity: 'info' } });
    expect(store.byId.b.online).toBe(true);

    // A reading from an offline station without an `online` key brings it back.
    store.byId.a.online = false;
    send(update({ station_id: 'a', seq: 2, parameter: 'ph', value: 7, timestamp: '2026-11-27T10:06:00Z', quality: 'good' }));
    expect(store.byId.a.online).toBe(true);
  });
});

describe('criteria profile changes', () => {
  const regraded = (over: Partial<Station> = {}) =>
    station('a', {
      profile: 'cpcb.dbu.C',
      limits: { dissolved_oxygen: { warn_low: 4, warn_high: null, crit_low: null, crit_high: null } },
      alert_level: 'warning',
      wqi: 1, // not taken from the summary
      ...over,
    });

  it('applySummary takes profile, limits and alert level; only newer latest values', async () => {
    const { store } = await setup([station('a', { profile: 'legacy.purehealth_v6', limits: null })]);
    const older = { value: 1, unit: 'pH', t: '2026-11-27T09:00:00Z', q: 1 };
    const newer = { value: 8, unit: 'mg/L', t: '2026-11-27T11:00:00Z', q: 1 };
    expect(store.applySummary(regraded({ latest: { ph: older, dissolved_oxygen: newer } }))).toBe(true);
    const a = store.byId.a;
    expect(a.profile).toBe('cpcb.dbu.C');
    expect(a.limits?.dissolved_oxygen?.warn_low).toBe(4);
    expect(a.alert_level).toBe('warning');
    expect(a.wqi).toBe(70);
    expect(a.latest.ph.value).toBe(7.1); // the summary's pH is older than the one shown
    expect(a.latest.dissolved_oxygen.value).toBe(8);
    expect(store.applySummary(station('zz'))).toBe(false);
    expect(store.applySummary(null as unknown as Station)).toBe(false);
  });

  it('a station_profile frame regrades the station (or sets only the profile without a summary)', async () => {
    const { store, send } = await setup([station('a'), station('7', { legacy_id: 7 })]);
    send({ type: 'station_profile', station_id: 'a', profile: 'cpcb.dbu.C', station: regraded() });
    expect(store.byId.a.profile).toBe('cpcb.dbu.C');
    expect(store.byId.a.alert_level).toBe('warning');
    send({ type: 'station_profile', station_id: '7', profile: 'cpcb.dbu.B', station: null });
    expect(store.byId['7'].profile).toBe('cpcb.dbu.B');
    send({ type: 'station_profile', station_id: 'nope', profile: 'cpcb.dbu.B', station: null });
    expect(store.byId.nope).toBeUndefined();
  });
});

describe('StationStore batching', () => {
  it('applies live messages once per scheduled flush, in order', async () => {
    let handler: ((m: HubMessage) => void) | null = null;
    const flushes: (() => void)[] = [];
    const store = new StationStore({
      listStations: async () => [station('a')],
      subscribe: (h) => {
        handler = h;
        return () => (handler = null);
      },
      schedule: (f) => flushes.push(f),
    });
    store.start();
    await vi.waitFor(() => expect(store.loading).toBe(false));
    handler!(update({ station_id: 'a', timestamp: '2026-11-27T10:06:00Z', wqi: 50, seq: 1 }));
    handler!(update({ station_id: 'a', timestamp: '2026-11-27T10:07:00Z', wqi: 60, seq: 2 }));
    expect(store.byId.a.seq).toBe(0);
    expect(flushes.length).toBe(1);
    flushes[0]();
    expect(store.byId.a.seq).toBe(2);
    expect(store.byId.a.wqi).toBe(60);
    expect(store.latestUpdate).toBe('2026-11-27T10:07:00Z');
    handler!(update({ station_id: 'a', wqi: 70, seq: 3 }));
    expect(flushes.length).toBe(2);
  });
});

describe('StationStore.clear (switching hubs)', () => {
  it('forgets every station and drops a list that was asked of the previous hub', async () => {
    const { store, listStations } = await setup();
    expect(store.stations).toHaveLength(2);
    let resolveOld: (l: Station[]) => void = () => {};
    listStations.mockImplementationOnce(() => new Promise<Station[]>((r) => (resolveOld = r)));
    listStations.mockImplementationOnce(async () => [station('new-hub')]);
    const pending = store.refetch();
    store.clear();
    expect(store.stations).toEqual([]);
    expect(store.loading).toBe(true);
    expect(store.latestUpdate).toBeNull();
    resolveOld([station('a'), station('b')]);
    await pending;
    expect(store.stations.map((s) => s.id)).toEqual(['new-hub']);
    expect(store.loading).toBe(false);
  });
});

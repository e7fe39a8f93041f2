import { describe, expect, it, vi } from 'vitest';
import type { PairReply, PairStart, PairStatus, PairedDevice } from '../platform/types';
import { RpcError } from '../platform/types';
import {
  checkPairForm,
  cleanCode,
  codeDeadline,
  formatCountdown,
  newlyPaired,
  normaliseStatus,
  pairErrorKey,
  secondsLeft,
  sortDevices,
  svgDataUrl,
  trustOf,
} from './pairing';
import { PairingAdmin, PairingStore, type AdminApi, type PairingApi } from './pairing.svelte';
import { parseRoute } from './route';

const TOKEN = '0123456789abcdef'.repeat(4);
const fromB64 = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

describe('pairing helpers', () => {
  it('classifies the caller', () => {
    expect(trustOf(null)).toBe('unknown');
    expect(trustOf({ trusted: true, local: true, device: null })).toBe('local');
    expect(trustOf({ trusted: true, local: false, device: 'Tablet' })).toBe('paired');
    expect(trustOf({ trusted: true, local: true, device: 'Tablet' })).toBe('paired');
    expect(trustOf({ trusted: false, local: false, device: null })).toBe('readonly');
  });

  it('normalises status replies', () => {
    expect(normaliseStatus({ trusted: true, local: true, device: null })).toEqual({ trusted: true, local: true, device: null });
    expect(normaliseStatus({ trusted: 'yes', device: '  ' })).toEqual({ trusted: false, local: false, device: null });
    expect(normaliseStatus({ device: 'Tablet' })).toEqual({ trusted: true, local: false, device: 'Tablet' });
    expect(() => normaliseStatus('<!doctype html>')).toThrow();
    expect(() => normaliseStatus([])).toThrow();
  });

  it('cleans codes and checks the form (6 digits, name 1–60 characters)', () => {
    expect(cleanCode(' 123 456 ')).toBe('123456');
    expect(cleanCode('12-34-56-78')).toBe('123456');
    expect(cleanCode(undefined)).toBe('');
    expect(checkPairForm('123456', 'Field tablet 3')).toBeNull();
    expect(checkPairForm('12345', 'x')).toBe('code');
    expect(checkPairForm('abcdef', 'x')).toBe('code');
    expect(checkPairForm('123456', '   ')).toBe('name');
    expect(checkPairForm('123456', 'x'.repeat(61))).toBe('name');
    expect(checkPairForm('123456', 'क'.repeat(60))).toBeNull();
  });

  it('maps error kinds to explanations', () => {
    expect(pairErrorKey('forbidden')).toBe('pair.err.forbidden');
    expect(pairErrorKey('rate_limited')).toBe('pair.err.rate_limited');
    expect(pairErrorKey('bad_request')).toBe('pair.err.bad_request');
    expect(pairErrorKey('network')).toBe('pair.err.network');
    expect(pairErrorKey('storage')).toBe('pair.err.other');
  });

  it('counts down to the hub’s expiry, or 5 minutes from arrival when the clocks differ', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(codeDeadline('2026-11-27T10:05:00Z', now)).toBe(now + 300_000);
    expect(codeDeadline('2026-11-27T10:04:58.5Z', now)).toBe(now + 298_500); // 1.5 s in transit
    expect(codeDeadline('2026-11-27T11:05:00Z', now)).toBe(now + 300_000); // hub clock an hour ahead
    expect(codeDeadline('2026-11-27T09:05:00Z', now)).toBe(now + 300_000); // hub clock behind
    expect(codeDeadline('garbage', now)).toBe(now + 300_000);
    expect(secondsLeft(now + 299_001, now)).toBe(300);
    expect(secondsLeft(now - 5, now)).toBe(0);
    expect(formatCountdown(300)).toBe('5:00');
    expect(formatCountdown(65)).toBe('1:05');
    expect(formatCountdown(-3)).toBe('0:00');
  });

  it('turns the hub’s SVG into a base64 data URL for an <img>, and refuses anything else', () => {
    const svg = '<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" width="200"><rect/></svg>';
    const url = svgDataUrl(svg)!;
    expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(fromB64(url.split(',')[1])).toBe(svg);
    // Non-ASCII survives (UTF-8).
    const uni = '<svg><title>पेयर</title></svg>';
    expect(fromB64(svgDataUrl(uni)!.split(',')[1])).toBe(uni);
    expect(svgDataUrl(null)).toBeNull();
    expect(svgDataUrl('<img src=x onerror=alert(1)>')).toBeNull();
    expect(svgDataUrl(42)).toBeNull();
    // A large QR code does not overflow the call stack.
    expect(svgDataUrl(`<svg>${'<rect/>'.repeat(20_000)}</svg>`)).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('finds the device that used the code and sorts the list', () => {
    const d = (id: number, paired_at: string, revoked_at: string | null = null): PairedDevice => ({ id, name: `d${id}`, paired_at, revoked_at });
    const list = [d(1, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'), d(2, '2026-01-02T00:00:00Z'), d(3, '2026-01-03T00:00:00Z')];
    expect(newlyPaired(new Set([1, 2]), list)?.id).toBe(3);
    expect(newlyPaired(new Set([2, 3]), list)).toBeNull(); // 1 is new to us but revoked
    expect(sortDevices(list).map((x) => x.id)).toEqual([3, 2, 1]);
  });
});

describe('pair routes', () => {
  it('parses #/pair and #/pair/<code>', () => {
    expect(parseRoute('#/pair')).toStrictEqual({ name: 'pair' });
    expect(parseRoute('#/pair/')).toStrictEqual({ name: 'pair' });
    expect(parseRoute('#/pair/123456')).toStrictEqual({ name: 'pair', code: '123456' });
    expect(parseRoute('#/pair/123%20456')).toStrictEqual({ name: 'pair', code: '123456' });
    expect(parseRoute('#/pair/12345678')).toStrictEqual({ name: 'pair', code: '123456' });
    expect(parseRoute('#/pair/abc')).toStrictEqual({ name: 'pair' });
    expect(parseRoute('#/pair/%E0%A4')).toStrictEqual({ name: 'pair' });
    expect(parseRoute('#/pair?x=1')).toStrictEqual({ name: 'pair' });
    expect(parseRoute('#/pairing')).toStrictEqual({ name: 'list' });
  });
});

function fakePairingApi(status: PairStatus, token: string | null = null) {
  const state = { token, status };
  const api = {
    pairStatus: vi.fn(async () => ({ ...state.status })),
    pair: vi.fn(async (code: string, name: string): Promise<PairReply> => {
      if (code !== '123456') throw new RpcError('forbidden', 'wrong or expired pairing code', 403);
      return { token: TOKEN, device_id: 4, name };
    }),
    getToken: vi.fn(() => state.token),
    setToken: vi.fn((t: string | null) => void (state.token = t)),
  } satisfies PairingApi;
  return { api, state };
}

describe('PairingStore', () => {
  it('loads the status and refreshes on resync', async () => {
    const { api } = fakePairingApi({ trusted: false, local: false, device: null });
    const s = new PairingStore(api);
    expect(s.trust).toBe('unknown');
    await s.refresh();
    expect(s.trust).toBe('readonly');
    s.handle({ type: 'pong' });
    s.handle({ type: 'resync' });
    await vi.waitFor(() => expect(api.pairStatus).toHaveBeenCalledTimes(2));
  });

  it('pairs: stores the token (which reconnects), becomes "paired"; hub errors reject unchanged', async () => {
    const { api, state } = fakePairingApi({ trusted: true, local: true, device: null });
    const s = new PairingStore(api);
    await s.refresh();
    await expect(s.pair('000000', 'x')).rejects.toMatchObject({ kind: 'forbidden', status: 403 });
    expect(api.setToken).not.toHaveBeenCalled();
    const reply = await s.pair(' 123456 ', ' e2e tablet ');
    expect(api.pair).toHaveBeenLastCalledWith('123456', 'e2e tablet');
    expect(reply.name).toBe('e2e tablet');
    expect(state.token).toBe(TOKEN);
    expect(s.status).toEqual({ trusted: true, local: true, device: 'e2e tablet' });
    expect(s.trust).toBe('paired');
  });

  it('ignores a status answer that predates the pairing', async () => {
    const { api, state } = fakePairingApi({ trusted: true, local: true, device: null });
    let release!: () => void;
    api.pairStatus.mockImplementationOnce(
      () => new Promise<PairStatus>((r) => (release = () => r({ trusted: true, local: true, device: null }))),
    );
    const s = new PairingStore(api);
    const pending = s.refresh();
    await s.pair('123456', 'Tablet');
    release();
    await pending;
    expect(s.status?.device).toBe('Tablet');
    expect(state.token).toBe(TOKEN); // not mistaken for a revoked token
    expect(s.revoked).toBe(false);
  });

  it('forgets a token the hub no longer accepts (revoked) and says so', async () => {
    const { api, state } = fakePairingApi({ trusted: false, local: false, device: null }, TOKEN);
    const s = new PairingStore(api);
    await s.refresh();
    expect(state.token).toBeNull();
    expect(s.revoked).toBe(true);
    expect(s.trust).toBe('readonly');
  });

  it('keeps the last status and reports an error when the hub has no status route', async () => {
    const { api } = fakePairingApi({ trusted: true, local: true, device: null });
    const s = new PairingStore(api);
    await s.refresh();
    api.pairStatus.mockRejectedValueOnce(new RpcError('bad_response', '/api/pair/status: HTTP 200 but not JSON (text/html)', 200));
    await s.refresh();
    expect(s.error).toMatch(/not JSON/);
    expect(s.trust).toBe('local');
  });
});

function fakeAdminApi(devices: PairedDevice[]) {
  let n = 0;
  const api = {
    pairStart: vi.fn(async (): Promise<PairStart> => {
      n += 1;
      return {
        code: String(100000 + n),
        expires_at: new Date(Date.now() + 300_000).toISOString(),
        links: [`http://192.168.1.5:8080/#/pair/${100000 + n}`],
        qr_svg: '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        hint: null,
      };
    }),
    listDevices: vi.fn(async () => devices.map((d) => ({ ...d }))),
    revokeDevice: vi.fn(async (id: number) => {
      const d = devices.find((x) => x.id === id && !x.revoked_at);
      if (!d) throw new RpcError('not_found', `no paired device ${id}`, 404);
      d.revoked_at = '2026-11-27T10:10:00Z';
      return { revoked: id };
    }),
  } satisfies AdminApi;
  return api;
}

describe('PairingAdmin', () => {
  const old: PairedDevice = { id: 1, name: 'Old tablet', paired_at: '2026-01-01T00:00:00Z', revoked_at: null };

  it('creates a code with a deadline and a QR data URL, and notices the device that used it', async () => {
    const devices = [{ ...old }];
    const api = fakeAdminApi(devices);
    let now = Date.now();
    const a = new PairingAdmin(api, () => now);
    await a.start();
    expect(a.code?.code).toBe('100001');
    expect(a.code?.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(a.code!.deadline - now).toBeGreaterThan(290_000);
    expect(a.expired()).toBe(false);
    await a.loadDevices();
    expect(a.code).not.toBeNull(); // nobody new yet
    devices.push({ id: 2, name: 'e2e tablet', paired_at: '2026-11-27T10:01:00Z', revoked_at: null });
    await a.loadDevices();
    expect(a.justPaired).toBe('e2e tablet');
    expect(a.code).toBeNull();
    expect(a.devices.map((d) => d.id)).toEqual([2, 1]);
    // A new code clears the notice; it expires after 5 minutes.
    await a.start();
    expect(a.justPaired).toBeNull();
    now += 301_000;
    expect(a.expired()).toBe(true);
  });

  it('shows why a code could not be created (e.g. 401 for an untrusted caller)', async () => {
    const api = fakeAdminApi([]);
    api.pairStart.mockRejectedValueOnce(new RpcError('unauthorized', 'pair this device first', 401));
    const a = new PairingAdmin(api);
    await a.start();
    expect(a.startError).toBe('pair this device first');
    expect(a.code).toBeNull();
    expect(a.starting).toBe(false);
  });

  it('revokes a device and re-reads the list; errors stay with the row', async () => {
    const devices = [{ ...old }];
    const api = fakeAdminApi(devices);
    const a = new PairingAdmin(api);
    await a.loadDevices();
    expect(await a.revoke(1)).toBe(true);
    expect(a.devices[0].revoked_at).toBe('2026-11-27T10:10:00Z');
    expect(a.revoking[1]).toBeUndefined();
    expect(await a.revoke(1)).toBe(false);
    expect(a.revokeErrors[1]).toBe('no paired device 1');
  });

  it('keeps the list on a failed reload and reports it', async () => {
    const api = fakeAdminApi([{ ...old }]);
    const a = new PairingAdmin(api);
    await a.loadDevices();
    api.listDevices.mockRejectedValueOnce(new RpcError('unauthorized', 'only a trusted caller may list devices', 401));
    await a.loadDevices();
    expect(a.devicesError).toBe('only a trusted caller may list devices');
    expect(a.devices).toHaveLength(1);
  });
});

describe('switching hubs', () => {
  it('forgets the previous hub’s status, code and devices; late answers are ignored', async () => {
    let answer: (s: PairStatus) => void = () => {};
    const api: PairingApi = {
      pairStatus: () => new Promise<PairStatus>((r) => (answer = r)),
      pair: async () => ({ token: TOKEN, device_id: 1, name: 'x' }),
      getToken: () => null,
      setToken: () => {},
    };
    const store = new PairingStore(api);
    const late = store.refresh();
    store.reset();
    answer({ trusted: true, local: true, device: null });
    await late;
    expect(store.status).toBeNull();
    expect(store.trust).toBe('unknown');

    const admin = new PairingAdmin({
      pairStart: async () => ({ code: '123456', expires_at: new Date(Date.now() + 300_000).toISOString(), links: [], qr_svg: null, hint: null }),
      listDevices: async () => [{ id: 1, name: 'Tablet', paired_at: '2026-11-27T10:00:00Z', revoked_at: null }],
      revokeDevice: async (id: number) => ({ revoked: id }),
    });
    await admin.start();
    expect(admin.code?.code).toBe('123456');
    admin.reset();
    expect([admin.code, admin.devices, admin.devicesLoaded]).toEqual([null, [], false]);
  });
});

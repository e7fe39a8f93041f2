// Device pairing state. `PairingStore` (one, kept in App): who this browser is to the hub
// (`GET /api/pair/status`, refreshed on every transport resync) and pairing it with a code.
// `PairingAdmin` (Settings → Devices, trusted callers): one-time codes and the paired devices.
import type { HubMessage, PairReply, PairStart, PairStatus, PairedDevice } from '../platform/types';
import { RpcError } from '../platform/types';
import { codeDeadline, newlyPaired, normaliseStatus, sortDevices, svgDataUrl, trustOf, validToken, type Trust } from './pairing';

const errText = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : String(e));

export interface PairingApi {
  pairStatus(): Promise<PairStatus>;
  pair(code: string, name: string): Promise<PairReply>;
  /** The stored device token, or null. */
  getToken(): string | null;
  /** Stores the token (null forgets it) and reopens the live connection with it. */
  setToken(token: string | null): void;
}

export class PairingStore {
  status: PairStatus | null = $state(null);
  /** Why the status is unknown (e.g. a hub without `/api/pair/status`). */
  error: string | null = $state(null);
  /** The stored token was refused (the device was revoked) and has been forgotten. */
  revoked = $state(false);
  readonly trust: Trust = $derived(trustOf(this.status));

  #api: PairingApi;
  #seq = 0;

  constructor(api: PairingApi) {
    this.#api = api;
  }

  /** Asks the hub; answers to older requests are ignored. */
  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    const sent = this.#api.getToken();
    try {
      const status = normaliseStatus(await this.#api.pairStatus());
      if (seq !== this.#seq) return;
      this.status = status;
      this.error = null;
      // A token the hub no longer knows (revoked) is useless: forget it, say so once.
      if (sent && !status.device && this.#api.getToken() === sent) {
        this.#api.setToken(null);
        this.revoked = true;
      }
    } catch (e) {
      if (seq === this.#seq) this.error = errText(e);
    }
  }

  handle(msg: HubMessage): void {
    if (msg.type === 'resync') void this.refresh();
  }

  /** Forgets what the previous hub said (switching hubs); answers still in flight are ignored. */
  reset(): void {
    this.#seq++;
    this.status = null;
    this.error = null;
    this.revoked = false;
  }

  /** Pairs this browser: stores the token, reconnects with it. Rejects with the hub's RpcError. */
  async pair(code: string, name: string): Promise<PairReply> {
    const reply = await this.#api.pair(code.trim(), name.trim());
    if (!reply || !validToken(reply.token)) throw new RpcError('bad_response', 'POST /api/pair: the reply has no token');
    this.#seq++; // a status request in flight was sent without the new token
    this.#api.setToken(reply.token);
    this.revoked = false;
    this.status = { trusted: true, local: this.status?.local ?? false, device: reply.name || name.trim() };
    this.error = null;
    return reply;
  }
}

export interface AdminApi {
  pairStart(): Promise<PairStart>;
  listDevices(): Promise<PairedDevice[]>;
  revokeDevice(id: number): Promise<{ revoked: number }>;
}

/** A code on screen: the hub's reply, its local deadline and the QR code as a data URL. */
export type ShownCode = PairStart & { deadline: number; qr: string | null };

export class PairingAdmin {
  code: ShownCode | null = $state(null);
  starting = $state(false);
  startError: string | null = $state(null);
  devices: PairedDevice[] = $state([]);
  devicesLoaded = $state(false);
  devicesError: string | null = $state(null);
  /** Name of the device that used the code on screen (the code is then dropped). */
  justPaired: string | null = $state(null);
  revoking: Record<number, boolean> = $state({});
  revokeErrors: Record<number, string> = $state({});

  #api: AdminApi;
  #now: () => number;
  #seq = 0;
  /** Device ids that existed when the code on screen was made. */
  #before = new Set<number>();

  constructor(api: AdminApi, now: () => number = Date.now) {
    this.#api = api;
    this.#now = now;
  }

  /** Creates a one-time code (replacing the one on screen). */
  async start(): Promise<void> {
    this.starting = true;
    this.startError = null;
    try {
      await this.loadDevices();
      const before = new Set(this.devices.map((d) => d.id));
      const r = await this.#api.pairStart();
      if (!r || typeof r.code !== 'string') throw new RpcError('bad_response', 'POST /api/pair/start: the reply has no code');
      this.#before = before;
      this.justPaired = null;
      this.code = {
        ...r,
        links: Array.isArray(r.links) ? r.links.filter((l) => typeof l === 'string') : [],
        deadline: codeDeadline(r.expires_at, this.#now()),
        qr: svgDataUrl(r.qr_svg),
      };
    } catch (e) {
      this.startError = errText(e);
    } finally {
      this.starting = false;
    }
  }

  /** Drops the code and device list of the previous hub (switching hubs). */
  reset(): void {
    this.#seq++;
    this.code = null;
    this.starting = false;
    this.startError = null;
    this.devices = [];
    this.devicesLoaded = false;
    this.devicesError = null;
    this.justPaired = null;
    this.revoking = {};
    this.revokeErrors = {};
    this.#before = new Set();
  }

  expired(now: number = this.#now()): boolean {
    return this.code !== null && now >= this.code.deadline;
  }

  /** Fetches the device list; a device paired with the code on screen ends that code. */
  async loadDevices(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const list = await this.#api.listDevices();
      if (seq !== this.#seq) return;
      this.devices = sortDevices(Array.isArray(list) ? list : []);
      this.devicesLoaded = true;
      this.devicesError = null;
      const fresh = this.code ? newlyPaired(this.#before, this.devices) : null;
      if (fresh) {
        this.justPaired = fresh.name;
        this.code = null;
      }
    } catch (e) {
      if (seq === this.#seq) this.devicesError = errText(e);
    }
  }

  async revoke(id: number): Promise<boolean> {
    this.revoking = { ...this.revoking, [id]: true };
    const { [id]: _drop, ...rest } = this.revokeErrors;
    this.revokeErrors = rest;
    try {
      await this.#api.revokeDevice(id);
      await this.loadDevices();
      return true;
    } catch (e) {
      this.revokeErrors = { ...this.revokeErrors, [id]: errText(e) };
      return false;
    } finally {
      const { [id]: _b, ...others } = this.revoking;
      this.revoking = others;
    }
  }
}

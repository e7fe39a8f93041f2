// Device pairing, the pure parts: token, code and name checks, the code's countdown, the QR code
// as a data URL and who this browser is to the hub. Tokens are kept per hub (lib/hub.ts) and sent
// by the browser transport as `Authorization: Bearer` and `/ws?token=`.
import type { PairStatus, PairedDevice } from '../platform/types';
import type { MessageKey } from './i18n';

/** Where earlier versions kept their one token (migrated by lib/hub.ts `createHubTokens`). */
export const TOKEN_KEY = 'purehealth.deviceToken';
/** Longest device name the hub accepts (characters). */
export const NAME_MAX = 60;
/** How long a pairing code is valid (the hub's `CODE_TTL`). */
export const CODE_TTL_S = 300;

/** A plausible token (the hub issues 64 hex digits); anything else in storage is ignored. */
export function validToken(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9._~-]{16,512}$/.test(v);
}

/** `unknown` until the hub answered; `local` = the hub's own machine (or the app window). */
export type Trust = 'unknown' | 'local' | 'paired' | 'readonly';

export function trustOf(s: PairStatus | null): Trust {
  if (!s) return 'unknown';
  if (s.device) return 'paired';
  return s.trusted ? 'local' : 'readonly';
}

/** A status reply reduced to its known fields (defensive against odd replies). */
export function normaliseStatus(v: unknown): PairStatus {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('pair status: not an object');
  const o = v as Record<string, unknown>;
  const device = typeof o.device === 'string' && o.device.trim() ? o.device : null;
  return { trusted: o.trusted === true || device !== null, local: o.local === true, device };
}

/** The code as typed or taken from `#/pair/<code>`: digits only, at most 6. */
export function cleanCode(raw: string | null | undefined): string {
  return (raw ?? '').replace(/\D/g, '').slice(0, 6);
}

/** What is wrong with a pairing form, or null: the code must be 6 digits, the name 1–60 characters. */
export function checkPairForm(code: string, name: string): 'code' | 'name' | null {
  if (!/^\d{6}$/.test(code.trim())) return 'code';
  const n = name.trim();
  if (!n || [...n].length > NAME_MAX) return 'name';
  return null;
}

/** The explanation shown above the hub's own message for a failed pairing. */
export function pairErrorKey(kind: string): MessageKey {
  switch (kind) {
    case 'forbidden':
      return 'pair.err.forbidden';
    case 'rate_limited':
      return 'pair.err.rate_limited';
    case 'bad_request':
      return 'pair.err.bad_request';
    case 'network':
      return 'pair.err.network';
    default:
      return 'pair.err.other';
  }
}

/**
 * When (local clock, ms) a code received at `receivedAt` expires. `expires_at` is the hub's clock:
 * it is used when it agrees with the 5-minute validity; otherwise the clocks differ and the
 * countdown runs from the moment the code arrived.
 */
export function codeDeadline(expiresAt: string, receivedAt: number, ttlS: number = CODE_TTL_S): number {
  const t = Date.parse(expiresAt);
  const left = t - receivedAt;
  if (Number.isFinite(t) && left > 0 && left <= ttlS * 1000 + 5_000) return t;
  return receivedAt + ttlS * 1000;
}

export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** `4:05` (minutes:seconds, Latin digits). */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The hub's QR code as a `data:image/svg+xml;base64,…` URL for an `<img>` (an image cannot run
 * scripts, unlike inline SVG), or null when it is not an SVG document.
 */
export function svgDataUrl(svg: unknown): string | null {
  if (typeof svg !== 'string' || !/<svg[\s>]/i.test(svg)) return null;
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}

/** The first active device not in `before` (ids listed when the code was made), or null. */
export function newlyPaired(before: ReadonlySet<number>, list: PairedDevice[]): PairedDevice | null {
  return list.find((d) => !before.has(d.id) && !d.revoked_at) ?? null;
}

/** Active devices first (newest first), then revoked ones (most recently revoked first). */
export function sortDevices(list: PairedDevice[]): PairedDevice[] {
  const time = (s: string | null) => (s ? Date.parse(s) || 0 : 0);
  return [...list].sort((a, b) => {
    if (!a.revoked_at !== !b.revoked_at) return a.revoked_at ? 1 : -1;
    if (a.revoked_at && b.revoked_at) return time(b.revoked_at) - time(a.revoked_at);
    return time(b.paired_at) - time(a.paired_at) || b.id - a.id;
  });
}

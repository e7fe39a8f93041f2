// Historical replay (pure; unit tested): the raw readings of every parameter of one station over a
// window, merged in time order, played back on a virtual clock
//   virtual time = base + (real now − real start) × speed
// (base = the window start, or where a pause left off). The replay never touches the live station
// store: the view keeps its own table and chart buffers.
import type { Series } from '../platform/types';

/** Speeds offered: 1 minute, 10 minutes or 1 hour of data per second. */
export const SPEEDS = [60, 600, 3600] as const;
export type Speed = (typeof SPEEDS)[number];
export const DEFAULT_SPEED: Speed = 600;

/** The readings API returns at most this many (the newest) points per request. */
export const READINGS_LIMIT = 10_000;

/** Default window: the last 24 hours. */
export const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

/** One reading as it "arrives" during the replay. */
export interface ReplayEvent {
  /** Observation time, ms since the epoch. */
  ms: number;
  /** Observation time as the API gave it. */
  t: string;
  parameter: string;
  value: number | null;
  unit: string;
  q: number;
}

export function isSpeed(v: unknown): v is Speed {
  return typeof v === 'number' && (SPEEDS as readonly number[]).includes(v);
}

/**
 * Merges series into one list in time order. Points whose time does not parse are dropped. Ties
 * keep the order of `series` (then the API's order), so the result is deterministic.
 */
export function mergeSeries(series: readonly Series[]): ReplayEvent[] {
  const out: (ReplayEvent & { k: number })[] = [];
  let k = 0;
  for (const s of series) {
    for (const p of s.points ?? []) {
      const ms = Date.parse(p.t);
      if (!Number.isFinite(ms)) continue;
      out.push({ ms, t: p.t, parameter: s.parameter, value: typeof p.v === 'number' && Number.isFinite(p.v) ? p.v : null, unit: s.unit ?? '', q: p.q, k: k++ });
    }
  }
  out.sort((a, b) => a.ms - b.ms || a.k - b.k);
  return out.map(({ k: _k, ...e }) => e);
}

/**
 * Series the hub may have cut to its newest READINGS_LIMIT points, with the time their first kept
 * point has (earlier readings of the window are missing for them).
 */
export function truncatedSeries(series: readonly Series[], limit = READINGS_LIMIT): { parameter: string; first: string }[] {
  return series
    .filter((s) => (s.points?.length ?? 0) >= limit)
    .map((s) => ({ parameter: s.parameter, first: s.points[0]?.t ?? '' }));
}

/** Index of the first event later than `ms` (binary search; events sorted by time). */
export function cursorAt(events: readonly ReplayEvent[], ms: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].ms <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Virtual time: `base + (now − realStart) × speed`, clamped to `[base, end]`. */
export function virtualTime(base: number, realStart: number, now: number, speed: number, end: number): number {
  const v = base + Math.max(0, now - realStart) * speed;
  return Math.min(end, Math.max(base, v));
}

export type ReplayState = 'idle' | 'playing' | 'paused' | 'ended';

/**
 * The replay clock and cursor. Real time is passed in (performance.now() in the view, numbers in
 * tests). `tick(now)` returns the events that became due since the previous call, in order.
 */
export class ReplayPlayer {
  readonly events: readonly ReplayEvent[];
  readonly from: number;
  readonly to: number;
  speed: number;
  state: ReplayState = 'idle';
  /** Current virtual time (ms since the epoch). */
  virtual: number;
  /** Events applied so far (the next due event is `events[cursor]`). */
  cursor = 0;
  #base: number;
  #realStart = 0;

  constructor(events: readonly ReplayEvent[], from: number, to: number, speed: number) {
    if (!(to > from)) throw new RangeError('replay window: `to` must be after `from`');
    this.events = events;
    this.from = from;
    this.to = to;
    this.speed = speed;
    this.virtual = from;
    this.#base = from;
  }

  /** Starts (from the window start, also after the end) or resumes after a pause. */
  play(now: number): void {
    if (this.state === 'playing') return;
    if (this.state === 'ended' || this.state === 'idle') this.#rewind();
    this.#base = this.virtual;
    this.#realStart = now;
    this.state = 'playing';
  }

  /** Freezes the virtual clock where it is. */
  pause(now: number): void {
    if (this.state !== 'playing') return;
    this.virtual = virtualTime(this.#base, this.#realStart, now, this.speed, this.to);
    this.state = 'paused';
  }

  /** Back to the window start, nothing applied. */
  stop(): void {
    this.#rewind();
    this.state = 'idle';
  }

  /** Changes the speed without a jump of the virtual clock. */
  setSpeed(speed: number, now: number): void {
    if (this.state === 'playing') {
      this.virtual = virtualTime(this.#base, this.#realStart, now, this.speed, this.to);
      this.#base = this.virtual;
      this.#realStart = now;
    }
    this.speed = speed;
  }

  /** Advances the virtual clock to `now` (while playing) and returns the events now due. */
  tick(now: number): ReplayEvent[] {
    if (this.state === 'idle') return [];
    if (this.state === 'playing') {
      this.virtual = virtualTime(this.#base, this.#realStart, now, this.speed, this.to);
    }
    const due = this.#advance();
    if (this.state === 'playing' && this.virtual >= this.to) this.state = 'ended';
    return due;
  }

  /** 0…1 through the window. */
  get progress(): number {
    return (this.virtual - this.from) / (this.to - this.from);
  }

  #advance(): ReplayEvent[] {
    const end = cursorAt(this.events, this.virtual);
    if (end <= this.cursor) return [];
    const due = this.events.slice(this.cursor, end);
    this.cursor = end;
    return due;
  }

  #rewind() {
    this.virtual = this.from;
    this.#base = this.from;
    this.cursor = 0;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDTHH:MM` in local time, the value format of `<input type="datetime-local">`. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Parses a datetime-local value (local time); NaN when empty or invalid. */
export function fromLocalInput(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(s.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, se, ms] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(y, mo - 1, d, h, mi, se, ms);
  // Reject rollovers such as 2026-02-31.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return NaN;
  return date.getTime();
}

/** The default window: the last 24 hours up to `now`, rounded down to the minute. */
export function defaultWindow(now: number): { from: number; to: number } {
  const to = Math.floor(now / 60_000) * 60_000;
  return { from: to - DEFAULT_WINDOW_MS, to };
}

// Columnar buffer for one parameter's time series, in uPlot's layout:
// [xs (unix seconds), good values, suspect values]. Failed-QC points are
// excluded from the plot and counted, so the chart can say how many are hidden.
import type { SeriesPoint, SeriesReply, SeriesResolution } from '../platform/types';
import { asResolution } from './range';

export const WINDOW_S = 24 * 3600;

export type Columns = [number[], (number | null)[], (number | null)[]];

export class SeriesBuffer {
  readonly parameter: string;
  unit: string;
  xs: number[] = [];
  good: (number | null)[] = [];
  suspect: (number | null)[] = [];
  /** Failed-QC (flag 4) points seen and not plotted. */
  failed = 0;

  constructor(parameter: string, unit: string, points: SeriesPoint[] = []) {
    this.parameter = parameter;
    this.unit = unit;
    for (const p of points) this.push(p.t, p.v, p.q);
  }

  get length(): number {
    return this.xs.length;
  }

  /** Points drawn (every kept point is drawn, as pass or as suspect). */
  get plotted(): number {
    return this.xs.length;
  }

  /**
   * Appends one observation. Returns true if the plotted data changed.
   * Same timestamp as the last point replaces it; older timestamps are ignored.
   */
  push(t: string, v: number | null | undefined, q: number | null | undefined): boolean {
    const x = Date.parse(t) / 1000;
    if (!Number.isFinite(x)) return false;
    if (typeof v !== 'number' || !Number.isFinite(v) || q === 9) return false;
    const last = this.xs.length ? this.xs[this.xs.length - 1] : -Infinity;
    if (x < last) return false;
    if (q === 4) {
      if (x === last) this.#pop();
      this.failed += 1;
      return x === last;
    }
    if (x === last) this.#pop();
    this.xs.push(x);
    this.good.push(q === 3 ? null : v);
    this.suspect.push(q === 3 ? v : null);
    return true;
  }

  #pop() {
    this.xs.pop();
    this.good.pop();
    this.suspect.pop();
  }

  /** Drops points older than `fromSec`. */
  trim(fromSec: number): void {
    let i = 0;
    while (i < this.xs.length && this.xs[i] < fromSec) i++;
    if (i === 0) return;
    this.xs.splice(0, i);
    this.good.splice(0, i);
    this.suspect.splice(0, i);
  }

  columns(): Columns {
    return [this.xs, this.good, this.suspect];
  }

  hasSuspect(): boolean {
    return this.suspect.some((v) => v !== null);
  }
}

/** uPlot columns of an aggregated series: [xs (unix seconds), mean, min, max]. */
export type AggregateColumns = [number[], (number | null)[], (number | null)[], (number | null)[]];

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * One parameter's series from `GET …/series` (hourly/daily mean with min–max, or raw values), in
 * uPlot's layout. Read-only: the long ranges are not extended live. Buckets whose time does not
 * parse are dropped; buckets are sorted by time (the hub sends them in order already).
 */
export class AggregateSeries {
  readonly parameter: string;
  readonly unit: string;
  readonly resolution: SeriesResolution;
  /** The reply as received (the CSV export writes exactly these rows). */
  readonly reply: SeriesReply;
  readonly xs: number[] = [];
  readonly mean: (number | null)[] = [];
  readonly min: (number | null)[] = [];
  readonly max: (number | null)[] = [];
  readonly n: number[] = [];
  /** Never any: failed-QC readings are not part of the hub's means. */
  readonly failed = 0;

  constructor(reply: SeriesReply) {
    this.reply = reply;
    this.parameter = reply.parameter;
    this.unit = reply.unit ?? '';
    this.resolution = asResolution(reply.resolution);
    const rows = (reply.points ?? [])
      .map((p) => ({ x: Date.parse(p.t) / 1000, p }))
      .filter((r) => Number.isFinite(r.x))
      .sort((a, b) => a.x - b.x);
    for (const { x, p } of rows) {
      this.xs.push(x);
      this.mean.push(finite(p.v));
      this.min.push(finite(p.min));
      this.max.push(finite(p.max));
      this.n.push(typeof p.n === 'number' ? p.n : 0);
    }
  }

  /** Buckets received (including ones without a mean). */
  get length(): number {
    return this.xs.length;
  }

  /** Buckets with a mean, i.e. points on the line. */
  get plotted(): number {
    return this.mean.reduce((k: number, v) => (v === null ? k : k + 1), 0);
  }

  /** True when any bucket has a min–max range to shade. */
  hasBand(): boolean {
    return this.min.some((v, i) => v !== null && this.max[i] !== null);
  }

  columns(): AggregateColumns {
    return [this.xs, this.mean, this.min, this.max];
  }
}

/** What a station chart draws: raw readings (24 h, live) or an aggregated series. */
export type ChartSeries = SeriesBuffer | AggregateSeries;

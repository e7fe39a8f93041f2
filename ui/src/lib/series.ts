// Columnar buffer for one parameter's time series, in uPlot's layout:
// [xs (unix seconds), good values, suspect values]. Failed-QC points are
// excluded from the plot and counted, so the chart can say how many are hidden.
import type { SeriesPoint } from '../platform/types';

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

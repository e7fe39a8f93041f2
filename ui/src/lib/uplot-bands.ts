// Shading of a criteria profile's limit bands on a uPlot canvas (shared by the 24 h charts and the
// forecast charts). Call from a `drawClear` hook so the bands lie behind axes and series.
import type uPlot from 'uplot';
import type { Band } from './limits';

export function drawLimitBands(u: uPlot, bands: readonly Band[], colour: Record<Band['level'], string>): void {
  if (!bands.length) return;
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  ctx.save();
  for (const b of bands) {
    const yLo = b.lo === -Infinity ? top + height : u.valToPos(b.lo, 'y', true);
    const yHi = b.hi === Infinity ? top : u.valToPos(b.hi, 'y', true);
    const y0 = Math.max(top, Math.min(yLo, yHi));
    const y1 = Math.min(top + height, Math.max(yLo, yHi));
    if (!(y1 > y0)) continue;
    ctx.fillStyle = colour[b.level];
    ctx.fillRect(left, y0, width, y1 - y0);
  }
  ctx.restore();
}

// The optional online tiles on the Leaflet map: one tile layer in Leaflet's tile pane, beneath the
// offline vector layers (tilePane 200 < overlayPane 400), credited in the attribution control while
// shown, with failed tiles tallied (lib/tiles.ts) so the map can say when they are not reachable.
// Leaflet fetches only the tiles the view needs (plus its default two-tile buffer): no prefetching.
import * as L from 'leaflet';
import { escapeHtml, TileHealth } from './tiles';

export class OnlineTiles {
  private layer: L.TileLayer | null = null;
  private shown = '';
  private readonly health = new TileHealth();

  /** `onOffline(true)` after a few failed tiles in a row, `(false)` once a tile loads again. */
  constructor(
    private readonly map: L.Map,
    private readonly maxZoom: number,
    private readonly onOffline: (offline: boolean) => void,
  ) {}

  /** Tiles from `url` (a checked template) credited as `credit` (text); the same pair keeps the layer. */
  show(url: string, credit: string): void {
    const key = `${url}\n${credit}`;
    if (this.layer && key === this.shown) return;
    this.hide();
    this.shown = key;
    const layer = L.tileLayer(url, { maxZoom: this.maxZoom, attribution: escapeHtml(credit), className: 'ph-tiles' });
    // A replaced layer's late events are ignored.
    layer.on('tileload', () => this.layer === layer && this.onOffline(this.health.reset()));
    layer.on('tileerror', () => this.layer === layer && this.onOffline(this.health.error()));
    this.layer = layer.addTo(this.map);
  }

  hide(): void {
    this.layer?.remove();
    this.layer = null;
    this.shown = '';
    this.onOffline(this.health.reset());
  }
}

// Alert banners from `alert` messages. Recoveries (`cleared_*`) show as info.
import type { HubMessage } from '../platform/types';

export interface AlertItem {
  key: number;
  stationId: string;
  severity: string;
  message: string;
  parameter: string | null;
  cleared: boolean;
  timestamp: string | null;
}

export const MAX_ALERTS = 5;

export class AlertStore {
  items: AlertItem[] = $state([]);
  #next = 1;

  handle(msg: HubMessage): void {
    if (msg.type !== 'alert') return;
    const a = msg.alert;
    const cleared = typeof a.state === 'string' && a.state.startsWith('cleared');
    const item: AlertItem = {
      key: this.#next++,
      stationId: msg.station_id === undefined ? '' : String(msg.station_id),
      severity: cleared ? 'info' : String(a.severity ?? msg.priority ?? 'medium'),
      message: typeof a.message === 'string' && a.message ? a.message : `${a.parameter ?? ''} ${a.value ?? ''}`.trim(),
      parameter: typeof a.parameter === 'string' ? a.parameter : null,
      cleared,
      timestamp: msg.timestamp ?? null,
    };
    this.items = [item, ...this.items].slice(0, MAX_ALERTS);
  }

  dismiss(key: number): void {
    this.items = this.items.filter((i) => i.key !== key);
  }
}

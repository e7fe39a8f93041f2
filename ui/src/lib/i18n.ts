// Every user-visible string lives here. English is the reference catalogue; Hindi and Marathi
// are complete (typed as `Catalogue`, so a missing key fails the type check). Technical
// abbreviations (pH, DO, BOD, WQI, CPCB, QC) stay as they are; numbers stay in Latin digits.
import { hi } from './i18n-hi';
import { mr } from './i18n-mr';

const en = {
  'app.name': 'Pure Health',
  'app.tagline': 'Water quality monitoring',
  'conn.connecting': 'Connecting…',
  'conn.live': 'Live',
  'conn.offline': 'Offline — reconnecting',
  'conn.label': 'Connection',
  'header.asOf': 'Data as of {time}',
  'header.noData': 'No data yet',
  'list.title': 'Stations',
  'list.search': 'Search stations',
  'list.searchPlaceholder': 'Search by name or id',
  'list.count': '{shown} of {total} stations',
  'list.empty': 'No stations match “{query}”.',
  'list.loading': 'Loading stations…',
  'list.none': 'No stations reported yet.',
  'list.loadError': 'Could not load stations: {error}',
  'list.open': 'Open {name}',
  'station.back': 'Back to stations',
  'station.wqi': 'WQI',
  'station.wqiNeeds': 'WQI not computable: needs a usable {params}',
  'station.class': 'CPCB class {cls}',
  'station.noClass': 'Not classified',
  'station.updated': 'Updated {ago}',
  'station.never': 'never',
  'station.charts': 'Last 24 hours',
  'station.loadingCharts': 'Loading readings…',
  'station.noReadings': 'No readings in the last 24 hours.',
  'station.readingsError': 'Could not load readings: {error}',
  'station.notFound': 'Station “{id}” is not known.',
  'station.source': 'Source: {source}',
  'chart.failedHidden': '{n} failed-QC point(s) hidden',
  'chart.suspect': 'suspect',
  'chart.time': 'Time',
  'qc.1': 'QC passed',
  'qc.2': 'QC not evaluated',
  'qc.3': 'QC suspect',
  'qc.4': 'QC failed',
  'qc.9': 'Missing',
  'alert.dismiss': 'Dismiss alert',
  'alert.cleared': 'Cleared',
  'alert.critical': 'Critical',
  'alert.high': 'High',
  'alert.medium': 'Medium',
  'alert.warning': 'Warning',
  'alert.atStation': 'at {station}',
  'level.ok': 'OK',
  'level.warning': 'Warning',
  'level.critical': 'Critical',
  'time.justNow': 'just now',
  'time.seconds': '{n} s ago',
  'time.minutes': '{n} min ago',
  'time.hours': '{n} h ago',
  'time.days': '{n} d ago',
  'param.ph': 'pH',
  'param.dissolved_oxygen': 'Dissolved oxygen',
  'param.bod': 'BOD',
  'param.fecal_coliform': 'Faecal coliform',
  'param.temperature': 'Temperature',
  'param.turbidity': 'Turbidity',
  'param.tds': 'TDS',
  'param.conductivity': 'Conductivity',
  'param.salinity': 'Salinity',
  'param.depth': 'Depth',
  'param.do_sat': 'DO saturation',
  'param.specific_conductance': 'Specific conductance',
  'param.chla': 'Chlorophyll-a',
  'param.battery': 'Battery',
  'paramShort.ph': 'pH',
  'paramShort.dissolved_oxygen': 'DO',
  'paramShort.bod': 'BOD',
  'paramShort.fecal_coliform': 'FC',
  'paramShort.temperature': 'Temp',
  'paramShort.turbidity': 'Turb',
  'paramShort.tds': 'TDS',
  'paramShort.conductivity': 'Cond',
  'paramShort.salinity': 'Sal',
  'paramShort.depth': 'Depth',
  'paramShort.do_sat': 'DO %',
  'paramShort.specific_conductance': 'SpCond',
  'nav.label': 'Views',
  'nav.list': 'Overview',
  'nav.map': 'Map',
  'settings.theme': 'Theme',
  'settings.language': 'Language',
  'theme.system': 'System',
  'theme.light': 'Light',
  'theme.dark': 'Dark',
  'filter.class': 'Class',
  'filter.status': 'Status',
  'filter.noClass': 'None',
  'filter.noClassTitle': 'Stations without a CPCB class',
  'filter.clear': 'Clear filters',
  'filter.empty': 'No stations match the filters.',
  'status.ok': 'OK',
  'status.warning': 'Warning',
  'status.critical': 'Critical',
  'status.offline': 'Offline',
  'status.stale': 'Stale',
  'sort.label': 'Sort by',
  'sort.name': 'Name',
  'sort.wqi': 'WQI',
  'sort.updated': 'Last update',
  'sort.alert': 'Alert level',
  'station.offlineTitle': 'No report for more than three times the expected interval',
  'station.staleTitle': 'Last report is older than twice the expected interval ({interval})',
  'station.export': 'Export CSV',
  'station.exporting': 'Exporting…',
  'station.exportError': 'Export failed: {error}',
  'station.print': 'Print report',
  'station.report': 'Station report',
  'station.printedAt': 'Printed {time}',
  'station.location': 'Location {lat}, {lon}',
  'station.profile': 'Criteria profile: {profile}',
  'chart.limits': 'Limits ({profile})',
  'chart.limitWarning': 'warning',
  'chart.limitCritical': 'critical',
  'chart.noProfile': 'profile not named',
  'map.title': 'Station map',
  'map.colourBy': 'Colour by',
  'map.byClass': 'CPCB class',
  'map.byStatus': 'Status',
  'map.attribution': 'Base map: Natural Earth 1:50m country outlines (public domain), via world-atlas',
  'map.loading': 'Loading map…',
  'map.loadError': 'Could not load the base map: {error}',
  'map.unlocated': '{n} station(s) without a location are not shown.',
  'map.marker': '{name}: class {cls}, {status}',
  'nav.alarms': 'Alarms',
  'alarms.title': 'Alarms',
  'alarms.tabs': 'Alarm state',
  'alarms.tab.open': 'Open',
  'alarms.tab.acknowledged': 'Acknowledged',
  'alarms.tab.resolved': 'Resolved',
  'alarms.operator': 'Operator name',
  'alarms.operatorPlaceholder': 'Your name',
  'alarms.loading': 'Loading alarms…',
  'alarms.empty': 'No alarms in this state.',
  'alarms.loadError': 'Could not load alarms: {error}',
  'alarms.actionError': 'Action failed: {error}',
  'alarms.station': 'Station',
  'alarms.parameter': 'Parameter',
  'alarms.severity': 'Severity',
  'alarms.opened': 'Opened {time}',
  'alarms.updated': 'Updated {time}',
  'alarms.last': 'Last value',
  'alarms.peak': 'Peak value',
  'alarms.occurrences': '{n} occurrence(s)',
  'alarms.ackedBy': 'Acknowledged by {name} at {time}',
  'alarms.resolvedBy': 'Resolved by {name} at {time}',
  'alarms.note': 'Note: {note}',
  'alarms.ack': 'Acknowledge',
  'alarms.resolve': 'Resolve',
  'alarms.notePrompt': 'Note (optional)',
  'alarms.confirm': 'Confirm',
  'alarms.cancel': 'Cancel',
  'alarms.refresh': 'Refresh',
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;
export const LOCALES = ['en', 'hi', 'mr'] as const;
export type Locale = (typeof LOCALES)[number];
/** Language names, each in its own script (the same in every catalogue). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', hi: 'हिन्दी', mr: 'मराठी' };

export const catalogues: Record<Locale, Partial<Catalogue>> = { en, hi, mr };

/** Intl locale tag for numbers and dates: Indian conventions, always Latin digits. */
export function intlLocale(l: Locale = locale): string {
  return l === 'en' ? 'en-IN' : `${l}-IN-u-nu-latn`;
}

export function messageKeys(): MessageKey[] {
  return Object.keys(en) as MessageKey[];
}

let locale: Locale = 'en';

export function setLocale(l: Locale): void {
  locale = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function getLocale(): Locale {
  return locale;
}

export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

/** Looks up `key` in the current locale (falling back to English) and fills `{name}` placeholders. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogues[locale][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

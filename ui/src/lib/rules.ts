// Human-readable alarm rules, their basis and the confidence of the data behind them (pure
// apart from the message catalogue; unit tested). Rule ids (PROTOCOL §1.4c, §2.4a):
// `<profile>.<parameter>` (threshold rules of a criteria profile, e.g. `cpcb.dbu.B.dissolved_oxygen`),
// `forecast.do_below_4_within_7d`, `anomaly.daily_residual`; older hubs sent `threshold`.
import type { Alarm, AlarmConfidence, ParameterLimits, Station } from '../platform/types';
import { formatUnit, formatValue, paramLabel } from './format';
import { t } from './i18n';

export const FORECAST_DO_RULE = 'forecast.do_below_4_within_7d';

export type RuleKind = 'threshold' | 'forecast' | 'anomaly' | 'other';

type AlarmRule = Pick<Alarm, 'rule' | 'parameter' | 'profile'>;

export function ruleKind(rule: string | null | undefined): RuleKind {
  const r = rule ?? '';
  if (r.startsWith('forecast.')) return 'forecast';
  if (r.startsWith('anomaly.')) return 'anomaly';
  if (r === 'threshold' || r.includes('.')) return 'threshold';
  return 'other';
}

/** The criteria profile of a threshold alarm: its `profile`, else the rule id without `.<parameter>`. */
export function ruleProfile(a: AlarmRule): string | null {
  if (typeof a.profile === 'string' && a.profile) return a.profile;
  const suffix = `.${a.parameter}`;
  if (a.rule && a.rule.endsWith(suffix) && a.rule.length > suffix.length) return a.rule.slice(0, -suffix.length);
  return null;
}

/** A short name for a criteria profile id (the id itself when unknown). */
export function profileLabel(id: string): string {
  const dbu = /^cpcb\.dbu\.([A-E])$/.exec(id);
  if (dbu) return t('profile.cpcbDbu', { cls: dbu[1] });
  if (id === 'legacy.purehealth_v6') return t('profile.legacy');
  if (id.startsWith('cpcb.bathing')) return t('profile.cpcbBathing');
  if (id.startsWith('cpcb.prs')) return t('profile.cpcbPrs');
  if (id.startsWith('bis.is10500')) return t('profile.is10500');
  if (id.startsWith('who.')) return t('profile.who');
  return id;
}

/**
 * "CPCB class B: Dissolved oxygen", "Forecast: DO below 4 mg/L within 7 days", "Unusual for the
 * season"; an unknown rule id is shown as it is.
 */
export function ruleText(a: AlarmRule): string {
  switch (ruleKind(a.rule)) {
    case 'forecast':
      return a.rule === FORECAST_DO_RULE ? t('rule.forecastDo') : a.rule;
    case 'anomaly':
      return t('rule.anomaly');
    case 'threshold': {
      const p = ruleProfile(a);
      return p ? t('rule.threshold', { profile: profileLabel(p), param: paramLabel(a.parameter) }) : t('rule.limits', { param: paramLabel(a.parameter) });
    }
    default:
      return a.rule || t('rule.limits', { param: paramLabel(a.parameter) });
  }
}

/** What the latest level-change frame of an alarm said (kept by the alarm store). */
export interface FrameInfo {
  clause: string | null;
  confidence: string | null;
}

const CONFIDENCES: readonly string[] = ['provisional', 'qc_suspect', 'forecast'] satisfies AlarmConfidence[];

/**
 * The confidence label of an alarm: `forecast` for forecast rules; else what the hub's frame
 * said when one was seen; else `qc_suspect` while an active threshold alarm's latest reading is
 * QC-suspect (flag 3); else `provisional` (real-time data, not validated).
 */
export function alarmConfidence(a: AlarmRule & Pick<Alarm, 'state'>, station?: Station | null, frame?: FrameInfo | null): AlarmConfidence {
  if (ruleKind(a.rule) === 'forecast') return 'forecast';
  if (frame?.confidence && CONFIDENCES.includes(frame.confidence)) return frame.confidence as AlarmConfidence;
  if (ruleKind(a.rule) === 'threshold' && a.state !== 'resolved' && station?.latest?.[a.parameter]?.q === 3) return 'qc_suspect';
  return 'provisional';
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** "warning below 4 mg/L, critical below 2 mg/L" from a profile's limits; '' without limits. */
export function limitsText(l: ParameterLimits | null | undefined, unit?: string | null): string {
  if (!l) return '';
  const u = formatUnit(unit);
  const v = (x: number) => (u ? `${formatValue(x)} ${u}` : formatValue(x));
  const parts: string[] = [];
  const wl = num(l.warn_low);
  const cl = num(l.crit_low);
  const wh = num(l.warn_high);
  const ch = num(l.crit_high);
  if (wl !== null) parts.push(t('basis.warnBelow', { v: v(wl) }));
  if (cl !== null) parts.push(t('basis.critBelow', { v: v(cl) }));
  if (wh !== null) parts.push(t('basis.warnAbove', { v: v(wh) }));
  if (ch !== null) parts.push(t('basis.critAbove', { v: v(ch) }));
  return parts.join(', ');
}

/**
 * The basis of an alarm: the rule's clause (the hub's text from a frame for threshold rules,
 * a fixed description for forecast and anomaly rules) and, for a threshold rule whose profile is
 * the station's, the limits. Null when nothing is known.
 */
export function basisText(a: AlarmRule, station?: Station | null, frame?: FrameInfo | null): string | null {
  const kind = ruleKind(a.rule);
  if (kind === 'forecast' && a.rule === FORECAST_DO_RULE) return t('basis.forecastDo');
  if (kind === 'anomaly') return t('basis.anomaly');
  const parts: string[] = [];
  // Timer frames carry the rule id as the clause; that says nothing new.
  const clause = frame?.clause?.trim();
  if (clause && clause !== a.rule) parts.push(clause);
  if (kind === 'threshold' && station) {
    const profile = ruleProfile(a);
    const sameProfile = !profile || !station.profile || station.profile === profile;
    if (sameProfile) {
      const text = limitsText(station.limits?.[a.parameter], station.latest?.[a.parameter]?.unit);
      if (text) parts.push(text);
    }
  }
  return parts.length ? parts.join(' — ') : null;
}

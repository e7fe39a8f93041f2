import { afterEach, describe, expect, it } from 'vitest';
import type { Alarm, Station } from '../platform/types';
import { setLocale } from './i18n';
import { FORECAST_DO_RULE, alarmConfidence, basisText, limitsText, profileLabel, ruleKind, ruleProfile, ruleText } from './rules';

afterEach(() => setLocale('en'));

const alarm = (rule: string, extra: Partial<Alarm> = {}): Alarm => ({
  id: 1,
  station_id: 'e2e-river',
  parameter: 'dissolved_oxygen',
  rule,
  profile: null,
  severity: 'critical',
  state: 'open',
  opened_at: '2026-11-27T22:11:22Z',
  updated_at: '2026-11-27T22:11:22Z',
  last_value: 1.5,
  peak_value: 1.5,
  occurrences: 1,
  acknowledged_by: null,
  acknowledged_at: null,
  resolved_by: null,
  resolved_at: null,
  note: null,
  ...extra,
});

const station = (extra: Partial<Station> = {}): Station => ({
  id: 'e2e-river',
  name: 'E2E river',
  legacy_id: null,
  location: null,
  source: 'sensor',
  latest: { dissolved_oxygen: { value: 1.5, unit: 'mg/L', t: '2026-11-27T22:11:22Z', q: 1 } },
  wqi: null,
  class: null,
  mpcb_class: null,
  classification: null,
  status: null,
  alert_level: 'critical',
  last_update: null,
  profile: 'legacy.purehealth_v6',
  limits: { dissolved_oxygen: { warn_low: 4, crit_low: 2, warn_high: null, crit_high: null }, ph: { warn_low: 6, warn_high: 9, crit_low: 5, crit_high: 10 } },
  ...extra,
});

describe('rule text', () => {
  it('classifies rule ids', () => {
    expect(ruleKind('cpcb.dbu.B.dissolved_oxygen')).toBe('threshold');
    expect(ruleKind('threshold')).toBe('threshold');
    expect(ruleKind(FORECAST_DO_RULE)).toBe('forecast');
    expect(ruleKind('anomaly.daily_residual')).toBe('anomaly');
    expect(ruleKind('custom')).toBe('other');
    expect(ruleKind(undefined)).toBe('other');
  });

  it('names the profile and parameter of a threshold rule', () => {
    expect(ruleText(alarm('cpcb.dbu.B.dissolved_oxygen'))).toBe('CPCB class B: Dissolved oxygen');
    expect(ruleText(alarm('legacy.purehealth_v6.dissolved_oxygen', { profile: 'legacy.purehealth_v6' }))).toBe(
      'Pure Health original thresholds: Dissolved oxygen',
    );
    expect(ruleText(alarm('threshold', { profile: 'who.gdwq', parameter: 'ph' }))).toBe('WHO drinking-water guidelines: pH');
    expect(ruleText(alarm('threshold'))).toBe('Dissolved oxygen limits');
    expect(ruleText(alarm('some.new_profile.bod', { parameter: 'bod' }))).toBe('some.new_profile: BOD');
    expect(ruleProfile(alarm('cpcb.dbu.C.dissolved_oxygen'))).toBe('cpcb.dbu.C');
    expect(ruleProfile(alarm('cpcb.dbu.C.dissolved_oxygen', { profile: 'cpcb.dbu.D' }))).toBe('cpcb.dbu.D');
    expect(ruleProfile(alarm('threshold'))).toBeNull();
  });

  it('describes forecast and anomaly rules; unknown ids stay as they are', () => {
    expect(ruleText(alarm(FORECAST_DO_RULE))).toBe('Forecast: DO below 4 mg/L within 7 days');
    expect(ruleText(alarm('anomaly.daily_residual'))).toBe('Unusual for the season');
    expect(ruleText(alarm('forecast.something_else'))).toBe('forecast.something_else');
    expect(ruleText(alarm('custom'))).toBe('custom');
  });

  it('profile labels', () => {
    expect(profileLabel('cpcb.dbu.A')).toBe('CPCB class A');
    expect(profileLabel('cpcb.bathing.2000')).toBe('CPCB bathing water');
    expect(profileLabel('cpcb.prs.bod')).toBe('CPCB polluted river stretches');
    expect(profileLabel('bis.is10500.2012')).toBe('IS 10500 drinking water');
    expect(profileLabel('x.y')).toBe('x.y');
  });

  it('is translated', () => {
    setLocale('hi');
    expect(ruleText(alarm('cpcb.dbu.B.dissolved_oxygen'))).toBe('CPCB वर्ग B: घुलित ऑक्सीजन');
    setLocale('mr');
    expect(ruleText(alarm('anomaly.daily_residual'))).toBe('हंगामाच्या मानाने असामान्य');
  });
});

describe('confidence', () => {
  it('forecast rules are forecasts; otherwise the frame, then the latest QC flag, else provisional', () => {
    expect(alarmConfidence(alarm(FORECAST_DO_RULE), station(), { clause: null, confidence: 'provisional' })).toBe('forecast');
    expect(alarmConfidence(alarm('legacy.purehealth_v6.dissolved_oxygen'), station())).toBe('provisional');
    expect(alarmConfidence(alarm('legacy.purehealth_v6.dissolved_oxygen'), station(), { clause: null, confidence: 'qc_suspect' })).toBe('qc_suspect');
    const suspect = station({ latest: { dissolved_oxygen: { value: 1.5, unit: 'mg/L', t: '', q: 3 } } });
    expect(alarmConfidence(alarm('legacy.purehealth_v6.dissolved_oxygen'), suspect)).toBe('qc_suspect');
    expect(alarmConfidence(alarm('legacy.purehealth_v6.dissolved_oxygen', { state: 'resolved' }), suspect)).toBe('provisional');
    expect(alarmConfidence(alarm('anomaly.daily_residual'), suspect)).toBe('provisional');
    expect(alarmConfidence(alarm('legacy.purehealth_v6.dissolved_oxygen'), null, { clause: null, confidence: 'bogus' })).toBe('provisional');
  });
});

describe('basis', () => {
  it('describes limits', () => {
    expect(limitsText({ warn_low: 4, crit_low: 2 }, 'mg/L')).toBe('warning below 4 mg/L, critical below 2 mg/L');
    expect(limitsText({ warn_low: 6, warn_high: 9, crit_low: 5, crit_high: 10 })).toBe(
      'warning below 6, critical below 5, warning above 9, critical above 10',
    );
    expect(limitsText(null)).toBe('');
  });

  it('joins the hub clause and the station limits of the same profile', () => {
    const a = alarm('legacy.purehealth_v6.dissolved_oxygen', { profile: 'legacy.purehealth_v6' });
    expect(basisText(a, station())).toBe('warning below 4 mg/L, critical below 2 mg/L');
    expect(basisText(a, station(), { clause: 'original Phase 6 quality thresholds', confidence: 'provisional' })).toBe(
      'original Phase 6 quality thresholds — warning below 4 mg/L, critical below 2 mg/L',
    );
    // The station now uses another profile: its limits are not this alarm's basis.
    expect(basisText(a, station({ profile: 'cpcb.dbu.B' }))).toBeNull();
    // A timer frame's clause is the rule id: not repeated.
    expect(basisText(a, null, { clause: a.rule, confidence: 'provisional' })).toBeNull();
    expect(basisText(a, null)).toBeNull();
  });

  it('has fixed descriptions for forecast and anomaly rules', () => {
    expect(basisText(alarm(FORECAST_DO_RULE), station())).toBe('forecast DO P10 (warning) or P50 (critical) below 4 mg/L within 7 days');
    expect(basisText(alarm('anomaly.daily_residual'))).toMatch(/^daily mean outside the seasonal baseline/);
  });
});

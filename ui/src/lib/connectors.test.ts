import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorHealth } from '../platform/types';
import { configSection, connectorLevel, connectorName, connectorProblems, connectorStateLabel, connectorsFrom, enableEnv } from './connectors';
import { healthModel, problemCount } from './health';
import { setLocale } from './i18n';

afterEach(() => setLocale('en'));

/** One connector as the hub reports it (runner.rs `Health`). */
function connector(over: Partial<ConnectorHealth> = {}): ConnectorHealth {
  return {
    id: 'cpcb',
    label: 'CPCB real-time water quality (RTWQMS)',
    enabled: false,
    state: 'disabled',
    reason: 'turned off (enable it under [sources.cpcb])',
    base_url: 'https://rtwqmsdb1.cpcb.gov.in',
    insecure_tls: false,
    interval_s: 900,
    stale_after_s: 7200,
    last_attempt: null,
    last_success: null,
    last_error: null,
    last_error_at: null,
    next_attempt: null,
    circuit_open_until: null,
    consecutive_failures: 0,
    polls: 0,
    records_last: 0,
    records_total: 0,
    new_last: 0,
    stations: 0,
    data_as_of: null,
    stale: false,
    drift: null,
    last_schema_change: null,
    skipped_last: 0,
    skipped_examples: [],
    not_modified: 0,
    ...over,
  };
}

describe('connector states', () => {
  it('keeps "not authorised" apart from an outage', () => {
    expect(connectorLevel('ok')).toBe('ok');
    expect(connectorLevel('degraded')).toBe('warn');
    expect(connectorLevel('not_authorised')).toBe('auth');
    expect(connectorLevel('disabled')).toBe('off');
    expect(connectorLevel('starting')).toBe('starting');
    expect(connectorLevel('exploded')).toBe('unknown');
    expect(connectorLevel(null)).toBe('unknown');
  });

  it('labels states in every language, unknown ones verbatim', () => {
    expect(connectorStateLabel('not_authorised')).toBe('Not authorised');
    expect(connectorStateLabel('disabled')).toBe('Off');
    expect(connectorStateLabel('weird')).toBe('weird');
    setLocale('hi');
    expect(connectorStateLabel('not_authorised')).toBe('अनुमति नहीं');
    setLocale('mr');
    expect(connectorStateLabel('degraded')).toBe('अंशतः कार्यरत');
  });

  it('counts degraded and not-authorised connectors as problems', () => {
    const list = [connector(), connector({ id: 'imd', state: 'not_authorised' }), connector({ id: 'cwc', state: 'degraded' }), connector({ id: 'openmeteo', state: 'ok' })];
    expect(connectorProblems(list)).toBe(2);
  });

  it('names the config section, the environment variable and the agencies', () => {
    expect(configSection('imd')).toBe('[sources.imd]');
    expect(enableEnv('openmeteo')).toBe('PUREHEALTH_OPENMETEO_ENABLED');
    expect(connectorName('cpcb_rtwqms')).toBe('CPCB RTWQMS');
    expect(connectorName('openmeteo')).toBe('Open-Meteo');
    expect(connectorName('datagov')).toBe('data.gov.in');
    expect(connectorName('someone_new')).toBe('someone_new');
    expect(connectorName(null)).toBe('');
  });
});

describe('connectorsFrom (/health sources)', () => {
  it('takes the connector list and drops items without id/state', () => {
    const list = connectorsFrom([connector(), { id: 'x' }, 'junk', connector({ id: 'imd', skipped_examples: undefined as unknown as string[] })]);
    expect(list?.map((c) => c.id)).toEqual(['cpcb', 'imd']);
    expect(list?.[1].skipped_examples).toEqual([]);
  });

  it('is null for an older hub shape or no sources, [] for an empty list', () => {
    expect(connectorsFrom(undefined)).toBeNull();
    expect(connectorsFrom({ mqtt: { state: 'ok' } })).toBeNull();
    expect(connectorsFrom([{ name: 'mqtt', state: 'ok' }])).toBeNull();
    expect(connectorsFrom([])).toEqual([]);
  });

  it('healthModel exposes the connectors; rows are named by id and not_authorised needs attention', () => {
    const m = healthModel({
      status: 'healthy',
      sources: [connector(), connector({ id: 'imd', enabled: true, state: 'not_authorised', reason: 'not authorised: Your IP 1.2.3.4 needs to be whitelisted' })],
    });
    expect(m.connectors?.map((c) => [c.id, c.state])).toEqual([
      ['cpcb', 'disabled'],
      ['imd', 'not_authorised'],
    ]);
    expect(m.sources?.map((r) => [r.name, r.level])).toEqual([
      ['cpcb', 'off'],
      ['imd', 'crit'],
    ]);
    expect(problemCount(m)).toEqual({ loops: 0, sources: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import {
  asProgress,
  backfillCli,
  backfillSources,
  defaultWindow,
  isStationJob,
  jobKey,
  jobSource,
  jobStation,
  laterProgress,
  localDay,
  parseCodes,
  progressFraction,
  progressFromMessage,
  progressState,
  shellWord,
  unknownCodes,
  validateBackfill,
} from './backfill';
import type { BackfillProgress, HubMessage } from '../platform/types';

const loc = { lat: 29.7, lon: -84.88 };
const progress = (over: Partial<BackfillProgress> = {}): BackfillProgress => ({
  job: 'cpcb-UT67-2024-07-01-2024-07-31-DO_EC',
  done: 1,
  total: 2,
  resumed: 0,
  readings: 3,
  new: 3,
  current: 'EC',
  finished: false,
  failed_chunks: [],
  absent: [],
  ...over,
});

describe('backfillSources', () => {
  it('offers the station’s agency first, then Open-Meteo for any located station', () => {
    expect(backfillSources({ source: 'cpcb_rtwqms', location: loc })).toEqual(['cpcb', 'openmeteo']);
    expect(backfillSources({ source: 'cpcb_rtwqms', location: null })).toEqual(['cpcb']);
    expect(backfillSources({ source: 'cwc', location: loc })).toEqual(['cwc', 'openmeteo']);
    expect(backfillSources({ source: 'sensor', location: loc })).toEqual(['openmeteo']); // the demo's apacpwq
  });
  it('offers nothing without an agency source or a location', () => {
    expect(backfillSources({ source: 'sensor', location: null })).toEqual([]);
    expect(backfillSources({ source: 'mpcb', location: null })).toEqual([]);
    expect(backfillSources({ source: 'sensor', location: { lat: Number.NaN, lon: 1 } })).toEqual([]);
    expect(backfillSources(null)).toEqual([]);
  });
});

describe('window and codes', () => {
  it('defaults to the last 30 local days', () => {
    const now = new Date(2026, 2, 5, 0, 30); // 5 March 2026, local
    expect(defaultWindow(now)).toEqual({ from: '2026-02-03', to: '2026-03-05' });
    expect(localDay(new Date(2024, 0, 9))).toBe('2024-01-09');
  });
  it('parses codes separated by commas or spaces, without duplicates', () => {
    expect(parseCodes(' DO, EC  pH;DO ')).toEqual(['DO', 'EC', 'pH']);
    expect(parseCodes('')).toEqual([]);
    expect(unknownCodes(['DO', 'ORP', 'do', 'WTb'])).toEqual(['ORP', 'do']);
  });
  it('validates dates, order, length and CPCB codes', () => {
    const ok = { source: 'cpcb' as const, station: 'UT67', from: '2024-07-01', to: '2024-07-31' };
    expect(validateBackfill(ok)).toBeNull();
    expect(validateBackfill({ ...ok, from: '' })?.key).toBe('backfill.badDate');
    expect(validateBackfill({ ...ok, to: '2024-13-45' })?.key).toBe('backfill.badDate');
    expect(validateBackfill({ ...ok, from: '2024-08-01' })?.key).toBe('backfill.badWindow');
    expect(validateBackfill({ ...ok, from: '2004-07-01', to: '2024-07-01' })).toBeNull();
    expect(validateBackfill({ ...ok, from: '2004-07-01', to: '2024-07-02' })).toMatchObject({ key: 'backfill.tooLong', params: { years: '20' } });
    expect(validateBackfill({ ...ok, parameters: ['DO', 'ORP'] })).toMatchObject({ key: 'backfill.badCodes', params: { codes: 'ORP' } });
    // Codes only matter for CPCB (the hub ignores them elsewhere, the UI does not send them).
    expect(validateBackfill({ ...ok, source: 'openmeteo', parameters: ['ORP'] })).toBeNull();
  });
});

describe('job keys and progress', () => {
  it('matches this station’s job keys only', () => {
    expect(jobStation('MH/1 x')).toBe('MH_1_x');
    expect(isStationJob('cpcb-UT67-2024-07-01-2024-07-31-DO_EC', 'UT67', ['cpcb'])).toBe(true);
    expect(isStationJob('cpcb-UT67-2024-07-01-2024-07-31', 'UT67', ['cpcb', 'openmeteo'])).toBe(true);
    expect(isStationJob('cpcb-UT67-2024-07-01-2024-07-31', 'UT67', ['openmeteo'])).toBe(false);
    expect(isStationJob('cpcb-UT678-2024-07-01-2024-07-31', 'UT67', ['cpcb'])).toBe(false);
    expect(isStationJob('openmeteo-a-b-2024-07-01-2024-07-31', 'a', ['openmeteo'])).toBe(false);
    expect(isStationJob('openmeteo-a_b-2024-07-01-2024-07-31', 'a.b', ['openmeteo'])).toBe(true);
    expect(isStationJob('cwc-015-UYDDEL-2024-07-01-2024-07-31', '015-UYDDEL', ['cwc'])).toBe(true);
    expect(isStationJob('cwc-x-2024-07-01-2024-07-31', 'x', [])).toBe(false);
    expect(jobSource('cwc-015-UYDDEL-2024-07-01-2024-07-31')).toBe('cwc');
    expect(jobSource('imd-x')).toBeNull();
  });
  it('computes the hub’s job key', () => {
    expect(jobKey({ source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31', parameters: ['EC', 'DO', 'EC'] })).toBe('cpcb-UT67-2024-07-01-2024-07-31-DO_EC');
    expect(jobKey({ source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31', parameters: [] })).toBe('cpcb-UT67-2024-07-01-2024-07-31');
    expect(jobKey({ source: 'openmeteo', station: 'a.b', from: '2024-07-01', to: '2024-07-31', parameters: ['DO'] })).toBe('openmeteo-a_b-2024-07-01-2024-07-31');
  });
  it('normalises progress objects and keeps the later report of a job', () => {
    expect(asProgress({ job: 'j', done: 1 })).toEqual({
      job: 'j', done: 1, total: 0, resumed: 0, readings: 0, new: 0, current: '', finished: false, failed_chunks: [], absent: [],
    });
    expect(asProgress({ done: 1 })).toBeNull();
    expect(asProgress(null)).toBeNull();
    const a = progress({ done: 1 });
    const b = progress({ done: 2 });
    const fin = progress({ done: 2, finished: true });
    expect(laterProgress(undefined, a)).toBe(a);
    expect(laterProgress(a, b)).toBe(b);
    expect(laterProgress(b, a)).toBe(b); // an older list reply does not undo a frame
    expect(laterProgress(fin, b)).toBe(fin);
    expect(laterProgress(b, fin)).toBe(fin);
  });
  it('takes backfill_progress frames of this station’s jobs (or a job started here)', () => {
    const frame = (job: string): HubMessage => ({ type: 'backfill_progress', station_id: 'UT67', ...progress({ job }) });
    expect(progressFromMessage(frame('cpcb-UT67-2024-07-01-2024-07-31'), 'UT67', ['cpcb'])?.done).toBe(1);
    expect(progressFromMessage(frame('cpcb-UT68-2024-07-01-2024-07-31'), 'UT67', ['cpcb'])).toBeNull();
    expect(progressFromMessage(frame('odd-key'), 'UT67', ['cpcb'], new Set(['odd-key']))?.job).toBe('odd-key');
    expect(progressFromMessage({ type: 'pong' }, 'UT67', ['cpcb'])).toBeNull();
  });
  it('says running, done or partial, and how far', () => {
    expect(progressState(progress())).toBe('running');
    expect(progressState(progress({ finished: true }))).toBe('done');
    expect(progressState(progress({ finished: true, failed_chunks: ['DO: HTTP 500'] }))).toBe('partial');
    expect(progressFraction(progress({ done: 1, total: 4 }))).toBe(0.25);
    expect(progressFraction(progress({ done: 0, total: 0 }))).toBe(0);
    expect(progressFraction(progress({ done: 0, total: 0, finished: true }))).toBe(1);
  });
});

describe('CLI equivalent', () => {
  it('builds `purehealth backfill …` with --parameter for CPCB codes only', () => {
    expect(backfillCli({ source: 'cpcb', station: 'UT67', from: '2024-07-01', to: '2024-07-31', parameters: ['DO', 'EC'] })).toBe(
      'purehealth backfill --source cpcb --station UT67 --from 2024-07-01 --to 2024-07-31 --parameter DO,EC',
    );
    expect(backfillCli({ source: 'openmeteo', station: 'apacpwq', from: '2026-01-01', to: '2026-01-31', parameters: ['DO'] })).toBe(
      'purehealth backfill --source openmeteo --station apacpwq --from 2026-01-01 --to 2026-01-31',
    );
  });
  it('quotes unsafe shell words', () => {
    expect(shellWord('UT67')).toBe('UT67');
    expect(shellWord('my table.csv')).toBe(`'my table.csv'`);
    expect(shellWord(`it's`)).toBe(`'it'\\''s'`);
  });
});

import { describe, expect, it } from 'vitest';
import { AGGREGATE_CSV_HEADER, buildAggregateCsv, buildReadingsCsv, csvField, csvFileName, parseCsv } from './csv';

describe('csv', () => {
  it('quotes per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(null)).toBe('');
    expect(csvField(7.25)).toBe('7.25');
    expect(csvField(NaN)).toBe('');
  });
  it('builds long-format rows with the API times verbatim and CRLF line ends', () => {
    const csv = buildReadingsCsv('ST,1', [
      { station_id: 'ST,1', parameter: 'ph', unit: 'pH', points: [{ t: '2026-11-27T17:45:03.988Z', v: 150, q: 4 }, { t: '2026-11-27T17:45:08.989Z', v: 7.061, q: 1 }] },
      { station_id: 'ST,1', parameter: 'fecal_coliform', unit: 'MPN/100mL', points: [{ t: '2026-11-27T17:45:08.989Z', v: null, q: 9 }] },
    ]);
    expect(csv).toBe(
      'station_id,parameter,time_utc,value,unit,qc_flag\r\n' +
        '"ST,1",ph,2026-11-27T17:45:03.988Z,150,pH,4\r\n' +
        '"ST,1",ph,2026-11-27T17:45:08.989Z,7.061,pH,1\r\n' +
        '"ST,1",fecal_coliform,2026-11-27T17:45:08.989Z,,MPN/100mL,9\r\n',
    );
  });
  it('round-trips through the parser', () => {
    const csv = buildReadingsCsv('x"y', [{ station_id: 'x"y', parameter: 'temperature', unit: '°C', points: [{ t: 'T', v: -1.5, q: 1 }] }]);
    expect(parseCsv(csv)).toEqual([
      ['station_id', 'parameter', 'time_utc', 'value', 'unit', 'qc_flag'],
      ['x"y', 'temperature', 'T', '-1.5', '°C', '1'],
    ]);
    expect(parseCsv('a,"b\r\nc"\r\n')).toEqual([['a', 'b\r\nc']]);
  });
  it('names files safely', () => {
    expect(csvFileName('MH/1 x', new Date('2026-11-27T17:45:03.988Z'))).toBe('purehealth_MH_1_x_20261127T174503Z.csv');
  });
  it('builds aggregated rows (one per bucket: start time, mean, min, max, n) with their own header', () => {
    const csv = buildAggregateCsv('apacpwq', [
      {
        station_id: 'apacpwq',
        parameter: 'temperature',
        unit: '°C',
        from: 'F',
        to: 'T',
        resolution: 'hour',
        points: [
          { t: '2026-11-27T10:00:00Z', v: 21.25, min: 20.9, max: 21.6, n: 4 },
          { t: '2026-11-27T11:00:00Z', v: null, min: null, max: null, n: 0 },
        ],
      },
      { station_id: 'apacpwq', parameter: 'ph', unit: 'pH', from: 'F', to: 'T', resolution: 'hour', points: [{ t: '2026-11-27T10:00:00Z', v: 7.9, min: 7.8, max: 8, n: 3 }] },
    ]);
    expect(AGGREGATE_CSV_HEADER.join()).toBe('station_id,parameter,resolution,time_utc,mean,min,max,n,unit');
    expect(csv).toBe(
      'station_id,parameter,resolution,time_utc,mean,min,max,n,unit\r\n' +
        'apacpwq,temperature,hour,2026-11-27T10:00:00Z,21.25,20.9,21.6,4,°C\r\n' +
        'apacpwq,temperature,hour,2026-11-27T11:00:00Z,,,,0,°C\r\n' +
        'apacpwq,ph,hour,2026-11-27T10:00:00Z,7.9,7.8,8,3,pH\r\n',
    );
    expect(parseCsv(csv).map((r) => r.length)).toEqual([9, 9, 9, 9]);
    expect(buildAggregateCsv('x', [])).toBe('station_id,parameter,resolution,time_utc,mean,min,max,n,unit\r\n');
  });
  it('tags aggregated file names with the resolution', () => {
    expect(csvFileName('apacpwq', new Date('2026-11-27T17:45:03.988Z'), 'day')).toBe('purehealth_apacpwq_day_20261127T174503Z.csv');
  });
});

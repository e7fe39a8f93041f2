import { describe, expect, it } from 'vitest';
import { buildReadingsCsv, csvField, csvFileName, parseCsv } from './csv';

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
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL, MAX_IMPORT_BYTES, checkUpload, importCli, looksLikeTable, skippedShown, validLabel } from './importer';

describe('import checks', () => {
  it('accepts labels of 1–40 letters, digits, _ or -', () => {
    expect(DEFAULT_LABEL).toBe('mpcb');
    for (const ok of ['mpcb', 'file_import', 'MPCB-2023', 'a', 'x'.repeat(40)]) expect(validLabel(ok)).toBe(true);
    for (const bad of ['', 'bad label', 'ümlaut', 'a/b', 'x'.repeat(41)]) expect(validLabel(bad)).toBe(false);
  });
  it('checks the label, the file and its size before uploading', () => {
    expect(checkUpload({ size: 10 }, 'mpcb')).toBeNull();
    expect(checkUpload({ size: MAX_IMPORT_BYTES }, 'mpcb')).toBeNull();
    expect(checkUpload({ size: MAX_IMPORT_BYTES + 1 }, 'mpcb')).toBe('import.tooBig');
    expect(checkUpload({ size: 0 }, 'mpcb')).toBe('import.emptyFile');
    expect(checkUpload(null, 'mpcb')).toBe('import.noFile');
    expect(checkUpload({ size: 10 }, 'bad label')).toBe('import.badLabel');
  });
  it('recognises table file names (a hint only)', () => {
    for (const n of ['t.csv', 'T.CSV', 't.csv.gz', 'x.gz', 'a.tsv', 'b.txt']) expect(looksLikeTable(n)).toBe(true);
    for (const n of ['r.pdf', 'w.xlsx', 'csv']) expect(looksLikeTable(n)).toBe(false);
  });
});

describe('import results', () => {
  it('shows the first 10 skipped reasons and counts the rest', () => {
    const skipped = Array.from({ length: 13 }, (_, i) => `row ${i + 2}: x`);
    expect(skippedShown({ skipped })).toEqual({ shown: skipped.slice(0, 10), more: 3 });
    expect(skippedShown({ skipped: ['row 2: criteria row "Criteria (Class C)"'] })).toEqual({ shown: ['row 2: criteria row "Criteria (Class C)"'], more: 0 });
    expect(skippedShown({ skipped: undefined as unknown as string[] })).toEqual({ shown: [], more: 0 });
  });
  it('gives the CLI equivalent', () => {
    expect(importCli(null, 'mpcb')).toBe('purehealth import FILE --label mpcb');
    expect(importCli('mpcb 2023.csv', 'mpcb')).toBe(`purehealth import 'mpcb 2023.csv' --label mpcb`);
    expect(importCli('t.csv.gz', 'bad label')).toBe('purehealth import t.csv.gz --label mpcb');
  });
});

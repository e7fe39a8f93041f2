// Station table import (POST /api/import?label=L): label and file checks, the skipped reasons shown,
// and the CLI equivalent for the Tauri window (which has no import command yet). Pure; unit tested.
import type { ImportReply } from '../platform/types';
import { shellWord } from './backfill';

export const DEFAULT_LABEL = 'mpcb';
/** The hub's body limit (axum answers a larger body with 413). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** Skipped reasons listed; the rest are counted. */
export const SKIPPED_SHOWN = 10;

/** 1–40 letters, digits, `_` or `-` (the hub's rule for labels). */
export function validLabel(label: string): boolean {
  return /^[A-Za-z0-9_-]{1,40}$/.test(label);
}

/** Whether the name looks like a table the hub reads (`.csv`, `.csv.gz`, `.gz`, `.txt`, `.tsv`); a hint only, the hub decides. */
export function looksLikeTable(name: string): boolean {
  return /\.(csv|tsv|txt)(\.gz)?$|\.gz$/i.test(name);
}

/** Checks before uploading: a message key, or null. */
export function checkUpload(file: { size: number } | null | undefined, label: string): 'import.noFile' | 'import.tooBig' | 'import.emptyFile' | 'import.badLabel' | null {
  if (!validLabel(label)) return 'import.badLabel';
  if (!file) return 'import.noFile';
  if (file.size === 0) return 'import.emptyFile';
  if (file.size > MAX_IMPORT_BYTES) return 'import.tooBig';
  return null;
}

/** The first `n` skipped reasons and how many are left out (the hub's own "… and N more" counts as a reason). */
export function skippedShown(reply: Pick<ImportReply, 'skipped'>, n = SKIPPED_SHOWN): { shown: string[]; more: number } {
  const all = Array.isArray(reply.skipped) ? reply.skipped.map(String) : [];
  return { shown: all.slice(0, n), more: Math.max(0, all.length - n) };
}

/** The command that does the same on the hub's computer (`purehealth import FILE --label L`). */
export function importCli(fileName: string | null | undefined, label: string): string {
  const file = fileName && fileName.trim() ? shellWord(fileName.trim()) : 'FILE';
  return `purehealth import ${file} --label ${validLabel(label) ? label : DEFAULT_LABEL}`;
}

// Small values the UI remembers in localStorage. Reads and writes never throw: without storage
// (disabled, full, a test) a value falls back to its default and a choice lasts for this page only.

export type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function storage(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadText(key: string, s: Store | null = storage()): string | null {
  try {
    return s?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function saveText(key: string, value: string, s: Store | null = storage()): void {
  try {
    s?.setItem(key, value);
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
}

/** A checkbox stored as `1`/`0`; anything else (or nothing) is `fallback`. */
export function loadFlag(key: string, fallback: boolean, s: Store | null = storage()): boolean {
  const v = loadText(key, s);
  return v === '1' ? true : v === '0' ? false : fallback;
}

export function saveFlag(key: string, on: boolean, s: Store | null = storage()): void {
  saveText(key, on ? '1' : '0', s);
}

/** `load`/`save` of one checkbox under `key` (default `fallback`). */
export function flagPref(key: string, fallback: boolean) {
  return {
    load: (s: Store | null = storage()): boolean => loadFlag(key, fallback, s),
    save: (on: boolean, s: Store | null = storage()): void => saveFlag(key, on, s),
  };
}

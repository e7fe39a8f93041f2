import type { Readable } from './types';

export interface Writable<T> extends Readable<T> {
  set(value: T): void;
}

/** A tiny store (Svelte store contract) so the transport stays framework-free. */
export function observable<T>(initial: T): Writable<T> {
  let value = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(v: T) {
      if (Object.is(v, value)) return;
      value = v;
      for (const s of [...subs]) s(v);
    },
    subscribe(run) {
      subs.add(run);
      run(value);
      return () => subs.delete(run);
    },
  };
}

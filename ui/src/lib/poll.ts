// Periodic refresh while the page is visible (pure scheduling; unit tested with fake timers).
// Runs the task at once, then `intervalMs` after each run finished (runs never overlap; a function
// is asked again after every run, so the pace can follow what the task found). While the
// document is hidden nothing runs; becoming visible again runs the task at once.

export interface PollDeps {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (id: unknown) => void;
  isHidden: () => boolean;
  /** Registers a visibility-change callback; returns its removal. */
  onVisibilityChange: (fn: () => void) => () => void;
}

function browserDeps(): PollDeps {
  const doc = typeof document === 'undefined' ? null : document;
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
    isHidden: () => doc?.visibilityState === 'hidden',
    onVisibilityChange: (fn) => {
      doc?.addEventListener('visibilitychange', fn);
      return () => doc?.removeEventListener('visibilitychange', fn);
    },
  };
}

/** Starts polling; returns a function that stops it. */
export function poll(task: () => Promise<unknown> | unknown, intervalMs: number | (() => number), deps: PollDeps = browserDeps()): () => void {
  let stopped = false;
  let running = false;
  let timer: unknown = null;
  /** A run was due while hidden: run as soon as the page is visible. */
  let due = false;

  const schedule = () => {
    if (stopped) return;
    timer = deps.setTimeout(tick, typeof intervalMs === 'function' ? intervalMs() : intervalMs);
  };

  async function run() {
    if (stopped || running) return;
    running = true;
    due = false;
    try {
      await task();
    } catch (e) {
      console.error('poll task failed', e);
    } finally {
      running = false;
      schedule();
    }
  }

  function tick() {
    timer = null;
    if (stopped) return;
    if (deps.isHidden()) {
      due = true;
      return;
    }
    void run();
  }

  const offVisibility = deps.onVisibilityChange(() => {
    if (!stopped && due && !deps.isHidden()) void run();
  });

  if (deps.isHidden()) due = true;
  else void run();

  return () => {
    stopped = true;
    if (timer !== null) deps.clearTimeout(timer);
    timer = null;
    offVisibility();
  };
}

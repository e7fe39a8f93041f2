// A short alarm beep with Web Audio (oscillators, no audio files). Never throws: without
// AudioContext, or while the browser blocks audio before a user gesture, nothing plays.
export type Tone = 'warning' | 'critical' | 'escalated';

/** [frequency Hz, start s, duration s] per beep. */
export const TONES: Record<Tone, readonly (readonly [number, number, number])[]> = {
  warning: [[587, 0, 0.22]],
  critical: [
    [880, 0, 0.16],
    [660, 0.22, 0.16],
  ],
  escalated: [
    [880, 0, 0.14],
    [660, 0.2, 0.14],
    [880, 0.4, 0.14],
    [660, 0.6, 0.2],
  ],
};

/** The part of AudioContext used here (so tests can pass a fake). */
export interface AudioLike {
  readonly state: string;
  readonly currentTime: number;
  readonly destination: unknown;
  resume?(): Promise<void>;
  createOscillator(): {
    type: string;
    frequency: { setValueAtTime(v: number, t: number): unknown };
    connect(n: unknown): unknown;
    start(t?: number): void;
    stop(t?: number): void;
  };
  createGain(): {
    gain: {
      setValueAtTime(v: number, t: number): unknown;
      exponentialRampToValueAtTime(v: number, t: number): unknown;
    };
    connect(n: unknown): unknown;
  };
}

export type AudioFactory = () => AudioLike | null;

/** The platform's AudioContext (also WebKit's prefixed one), or null. */
export const defaultAudioFactory: AudioFactory = () => {
  const g = globalThis as { AudioContext?: new () => AudioLike; webkitAudioContext?: new () => AudioLike };
  const C = g.AudioContext ?? g.webkitAudioContext;
  return C ? new C() : null;
};

export interface AlarmSound {
  /**
   * Plays `tone`; resolves true when it was scheduled, false when audio is unavailable or
   * blocked. Never rejects.
   */
  play(tone: Tone): Promise<boolean>;
  /** Resumes a context the browser suspended (call from a user gesture). */
  unlock(): void;
}

/** How long a suspended context may take to resume before a beep is given up. */
export const RESUME_WAIT_MS = 300;

/** One lazily created AudioContext for the page. */
export function createAlarmSound(
  factory: AudioFactory = defaultAudioFactory,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): AlarmSound {
  let ctx: AudioLike | null = null;
  let unavailable = false;

  function context(): AudioLike | null {
    if (ctx || unavailable) return ctx;
    try {
      ctx = factory();
    } catch {
      ctx = null;
    }
    if (!ctx) unavailable = true;
    return ctx;
  }

  /** Resolves true once the context resumed, false when it refused. */
  function resume(c: AudioLike): Promise<boolean> {
    try {
      const p = c.resume?.();
      return p && typeof p.then === 'function' ? p.then(() => true, () => false) : Promise.resolve(false);
    } catch {
      return Promise.resolve(false);
    }
  }

  function schedule(c: AudioLike, tone: Tone) {
    const t0 = c.currentTime + 0.02;
    for (const [freq, at, dur] of TONES[tone]) {
      const osc = c.createOscillator();
      const gain = c.createGain();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(freq, t0 + at);
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + dur);
      osc.connect(gain);
      gain.connect(c.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + dur + 0.03);
    }
  }

  return {
    async play(tone) {
      try {
        const c = context();
        if (!c) return false;
        if (c.state !== 'running') {
          // A new context may start suspended for a moment; one blocked by the autoplay policy
          // stays suspended until a user gesture. Wait briefly, and schedule nothing unless it
          // runs, so no stale beep plays later when the user first clicks.
          const ok = await Promise.race([resume(c), wait(RESUME_WAIT_MS).then(() => false)]);
          if (!ok || c.state !== 'running') return false;
        }
        schedule(c, tone);
        return true;
      } catch {
        return false;
      }
    },
    unlock() {
      try {
        if (ctx && ctx.state !== 'running') void resume(ctx);
      } catch {
        /* ignore */
      }
    },
  };
}

/**
 * Resumes the page's audio on the first user gestures, so later alarms can beep. Returns a
 * function that removes the listeners.
 */
export function unlockOnGesture(sound: AlarmSound, target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null = typeof window === 'undefined' ? null : window): () => void {
  if (!target) return () => {};
  const on = () => sound.unlock();
  const events = ['pointerdown', 'keydown'] as const;
  for (const e of events) target.addEventListener(e, on, { capture: true, passive: true });
  return () => {
    for (const e of events) target.removeEventListener(e, on, { capture: true });
  };
}

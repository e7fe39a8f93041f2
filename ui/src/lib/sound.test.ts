import { describe, expect, it, vi } from 'vitest';
import { TONES, createAlarmSound, unlockOnGesture, type AudioLike } from './sound';

function fakeCtx(state = 'running', resume?: () => Promise<void>) {
  const oscs: { freq: number[]; started: number[]; stopped: number[]; type: string }[] = [];
  const ctx = {
    state,
    currentTime: 10,
    destination: { dest: true },
    resume: vi.fn(resume ?? (async () => void (ctx.state = 'running'))),
    createOscillator() {
      const o = { freq: [] as number[], started: [] as number[], stopped: [] as number[], type: '' };
      oscs.push(o);
      return {
        set type(v: string) {
          o.type = v;
        },
        get type() {
          return o.type;
        },
        frequency: { setValueAtTime: (v: number) => o.freq.push(v) },
        connect: vi.fn(),
        start: (t?: number) => o.started.push(t ?? 0),
        stop: (t?: number) => o.stopped.push(t ?? 0),
      };
    },
    createGain() {
      return { gain: { setValueAtTime: vi.fn(), exponentialRampToValueAtTime: vi.fn() }, connect: vi.fn() };
    },
  };
  return { ctx: ctx as AudioLike & { state: string; resume: ReturnType<typeof vi.fn> }, oscs };
}

describe('alarm sound', () => {
  it('schedules one oscillator per beep on a running context, and reuses the context', async () => {
    const { ctx, oscs } = fakeCtx();
    const factory = vi.fn(() => ctx);
    const s = createAlarmSound(factory);
    expect(await s.play('critical')).toBe(true);
    expect(oscs.map((o) => o.freq[0])).toEqual(TONES.critical.map(([f]) => f));
    expect(oscs.every((o) => o.type === 'sine' && o.started[0] >= 10 && o.stopped[0] > o.started[0])).toBe(true);
    expect(await s.play('escalated')).toBe(true);
    expect(oscs).toHaveLength(TONES.critical.length + TONES.escalated.length);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('plays once a briefly suspended context resumes', async () => {
    const { ctx, oscs } = fakeCtx('suspended');
    const s = createAlarmSound(() => ctx);
    expect(await s.play('warning')).toBe(true);
    expect(ctx.resume).toHaveBeenCalled();
    expect(oscs).toHaveLength(1);
  });

  it('schedules nothing while audio is blocked before a user gesture, and unlock resumes later', async () => {
    const { ctx, oscs } = fakeCtx('suspended', () => new Promise<void>(() => {})); // pending until a gesture
    const s = createAlarmSound(() => ctx, async () => {});
    expect(await s.play('critical')).toBe(false);
    expect(oscs).toHaveLength(0);
    const blocked = fakeCtx('suspended', () => Promise.reject(new DOMException('not allowed', 'NotAllowedError')));
    expect(await createAlarmSound(() => blocked.ctx).play('critical')).toBe(false);
    // A gesture resumes the context the first play created.
    const target = new EventTarget();
    const stop = unlockOnGesture(s, target);
    ctx.resume.mockClear();
    target.dispatchEvent(new Event('pointerdown'));
    expect(ctx.resume).toHaveBeenCalledTimes(1);
    stop();
    target.dispatchEvent(new Event('keydown'));
    expect(ctx.resume).toHaveBeenCalledTimes(1);
  });

  it('never throws: no AudioContext, a throwing constructor, or a throwing node', async () => {
    expect(await createAlarmSound(() => null).play('critical')).toBe(false);
    expect(
      await createAlarmSound(() => {
        throw new Error('AudioContext is not defined');
      }).play('critical'),
    ).toBe(false);
    const { ctx } = fakeCtx();
    ctx.createOscillator = () => {
      throw new Error('InvalidStateError');
    };
    expect(await createAlarmSound(() => ctx).play('critical')).toBe(false);
    // Node has no AudioContext: the default factory finds none.
    expect(await createAlarmSound().play('warning')).toBe(false);
    expect(() => createAlarmSound(() => null).unlock()).not.toThrow();
    expect(unlockOnGesture(createAlarmSound(() => null), null)).toBeTypeOf('function');
  });
});

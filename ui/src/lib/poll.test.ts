import { describe, expect, it, vi } from 'vitest';
import { poll, type PollDeps } from './poll';

function fakeDeps() {
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let hidden = false;
  let vis: (() => void) | null = null;
  let nextId = 1;
  const deps: PollDeps = {
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ fn, ms, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    isHidden: () => hidden,
    onVisibilityChange: (fn) => {
      vis = fn;
      return () => (vis = null);
    },
  };
  return {
    deps,
    timers,
    tick: () => timers.shift()?.fn(),
    setHidden: (h: boolean) => {
      hidden = h;
      vis?.();
    },
    listening: () => vis !== null,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('poll', () => {
  it('runs at once, then every interval after each run', async () => {
    const f = fakeDeps();
    const task = vi.fn(async () => {});
    const stop = poll(task, 10_000, f.deps);
    expect(task).toHaveBeenCalledTimes(1);
    await settle();
    expect(f.timers.map((t) => t.ms)).toEqual([10_000]);
    f.tick();
    await settle();
    expect(task).toHaveBeenCalledTimes(2);
    stop();
    expect(f.timers).toEqual([]);
    expect(f.listening()).toBe(false);
  });

  it('asks an interval function again after every run', async () => {
    const f = fakeDeps();
    let n = 0;
    poll(async () => void n++, () => (n < 2 ? 1_000 : 60_000), f.deps);
    await settle();
    expect(f.timers.map((t) => t.ms)).toEqual([1_000]);
    f.tick();
    await settle();
    expect(f.timers.map((t) => t.ms)).toEqual([60_000]);
  });

  it('skips runs while hidden and catches up when visible again', async () => {
    const f = fakeDeps();
    const task = vi.fn(async () => {});
    poll(task, 10_000, f.deps);
    await settle();
    f.setHidden(true);
    f.tick();
    await settle();
    expect(task).toHaveBeenCalledTimes(1);
    expect(f.timers).toEqual([]);
    f.setHidden(false);
    await settle();
    expect(task).toHaveBeenCalledTimes(2);
    expect(f.timers).toHaveLength(1);
  });

  it('keeps polling after a failing task', async () => {
    const f = fakeDeps();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const task = vi.fn(async () => {
      throw new Error('boom');
    });
    poll(task, 5, f.deps);
    await settle();
    expect(f.timers).toHaveLength(1);
    spy.mockRestore();
  });
});

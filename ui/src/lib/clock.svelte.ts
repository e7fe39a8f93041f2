// A shared 1 Hz clock for freshness labels.
export const clock = $state({ now: Date.now() });

let timer: ReturnType<typeof setInterval> | null = null;

export function startClock(): () => void {
  timer ??= setInterval(() => (clock.now = Date.now()), 1000);
  return () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
}

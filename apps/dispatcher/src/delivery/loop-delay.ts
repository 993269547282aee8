import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * This process's recent event-loop delay: how late its timers fire, the mean over the last complete
 * window. Every attempt's measured duration includes the wait for this loop's turn (to write the
 * request, then to read the answer), so this is how much of a slow-looking answer was our own doing.
 */
export interface LoopDelay {
  /** Milliseconds; 0 until the first window ends. */
  current(): number;
  stop(): void;
}

export function watchLoopDelay(windowMs = 500): LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let current = 0;
  const timer = setInterval(() => {
    current = Number.isFinite(histogram.mean) ? histogram.mean / 1e6 : 0;
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    current: () => current,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

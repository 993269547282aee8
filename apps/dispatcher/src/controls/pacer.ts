/**
 * A rate-limited subscription's sends are paced on a grid of slots spaced RATE_WINDOW_MS / limit
 * apart, and a slot is used at most once. Any half-open window of RATE_WINDOW_MS then holds at most
 * `limit` slots (m slots span (m - 1) x spacing, which is < RATE_WINDOW_MS only for m <= limit).
 *
 * The window is 1.2 s, not 1 s, on purpose: the guarantee is stated at the receiver ("no 1-second
 * window holds more than the limit"), and a request arrives a little after its slot, by a varying
 * amount (timers firing late, the network, the receiver's own event loop). With 1.2 s, arrivals may
 * be squeezed together by up to 200 ms before any 1-second window at the receiver can exceed the
 * limit. The price: the achieved rate is at most limit / 1.2.
 */
export const RATE_WINDOW_MS = 1200;

export function slotSpacingMs(limit: number): number {
  return RATE_WINDOW_MS / limit;
}

export interface SlotDecision {
  /** How many waiting sends may go now. */
  release: number;
  /** The last slot used after releasing them. */
  last: number;
  /** When to look again if some are still waiting (ms from now), else null. */
  nextInMs: number | null;
}

/**
 * How far back a late timer may catch up on slots it missed. Timers fire no more often than every
 * millisecond, so a limit above 1,000/s needs several slots per wake-up; catching up further than
 * this would send a burst after a pause.
 */
export const CATCH_UP_MS = 10;

/**
 * Which waiting sends may go at `now`, given the last slot used. Pure. Idle time earns no credit
 * beyond CATCH_UP_MS (at least one slot): after a pause a backlog restarts at the limit's pace, not
 * in a burst. Several slots are due together only for slots a late timer skipped, never future ones.
 */
export function dueSlots(last: number, now: number, spacing: number, waiting: number): SlotDecision {
  const base = Math.max(last, now - Math.max(spacing, CATCH_UP_MS));
  const release = Math.min(waiting, Math.floor((now - base) / spacing + 1e-9));
  const newLast = base + release * spacing;
  return { release, last: newLast, nextInMs: waiting > release ? Math.max(0, newLast + spacing - now) : null };
}

/**
 * Paces one subscription's sends in this process. Only the single active consumer of the
 * subscription's queue sends, so one Pacer per subscription sees every send of it.
 *
 * Takeover: an instance that has just become the active consumer does not know when its
 * predecessor last sent, so its first slot is a whole window after its first acquire. `reset()`
 * (a lost connection: the queue may go to another instance) drops the waiters and makes the next
 * acquire a takeover again.
 */
export class Pacer {
  private last = Number.NEGATIVE_INFINITY;
  private waiters: Array<(go: boolean) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    private limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Resolves true when a send may start, false if the pacer was reset meanwhile (do not send). */
  acquire(): Promise<boolean> {
    if (!this.active) {
      this.active = true;
      this.last = this.now() + RATE_WINDOW_MS - slotSpacingMs(this.limit);
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.active = false;
    for (const w of this.waiters.splice(0)) w(false);
  }

  private pump(): void {
    if (this.timer) return;
    const d = dueSlots(this.last, this.now(), slotSpacingMs(this.limit), this.waiters.length);
    this.last = d.last;
    for (const w of this.waiters.splice(0, d.release)) w(true);
    if (d.nextInMs !== null) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(1, Math.ceil(d.nextInMs)),
      );
    }
  }
}

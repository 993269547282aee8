import { deliveredBy, fifoHeadDecision } from '../src/controls/ordering';
import { CATCH_UP_MS, dueSlots, Pacer, RATE_WINDOW_MS, slotSpacingMs } from '../src/controls/pacer';
import { maxInWindow } from './support/controls-run';

describe('rate limit: dueSlots', () => {
  const spacing = slotSpacingMs(20); // 60 ms

  it('releases one slot after idle time, however long, and none before the next one is due', () => {
    expect(dueSlots(Number.NEGATIVE_INFINITY, 10_000, spacing, 5)).toEqual({ release: 1, last: 10_000, nextInMs: 60 });
    expect(dueSlots(10_000, 10_030, spacing, 4)).toEqual({ release: 0, last: 10_000, nextInMs: 30 });
    expect(dueSlots(10_000, 10_060, spacing, 4).release).toBe(1);
  });

  it('a late timer releases the slots it skipped (within CATCH_UP_MS), never future ones', () => {
    // 60 ms apart: a timer 70 ms late still sends one now and the next 60 ms later.
    expect(dueSlots(10_000, 10_130, spacing, 10)).toEqual({ release: 1, last: 10_130, nextInMs: 60 });
    // 1 ms apart (1,200/s): a wake-up 5 ms after the last slot sends the 5 it owes.
    expect(dueSlots(10_000, 10_005, slotSpacingMs(1200), 10)).toEqual({ release: 5, last: 10_005, nextInMs: 1 });
    expect(dueSlots(10_000, 10_500, slotSpacingMs(1200), 100).release).toBe(CATCH_UP_MS);
  });

  it('never has more than `limit` slots in any window of RATE_WINDOW_MS, whatever the timer does', () => {
    for (const limit of [1, 3, 20, 1000]) {
      const sp = slotSpacingMs(limit);
      let last = Number.NEGATIVE_INFINITY;
      const slots: number[] = [];
      // A timer firing at irregular, sometimes very late moments, with a deep backlog.
      for (let now = 0; now < 5000; now += 1 + ((now * 7919) % 97)) {
        const d = dueSlots(last, now, sp, 1000);
        for (let k = 1; k <= d.release; k++)
          slots.push(last === Number.NEGATIVE_INFINITY ? now : d.last - (d.release - k) * sp);
        last = d.last;
      }
      expect(maxInWindow(slots, RATE_WINDOW_MS)).toBeLessThanOrEqual(limit);
      expect(slots.length).toBeGreaterThan(0);
    }
  });
});

describe('rate limit: Pacer', () => {
  it('a newcomer waits a whole window before its first send (a predecessor may have just sent)', async () => {
    let now = 1000;
    const p = new Pacer(10, () => now);
    let went = false;
    void p.acquire().then(() => {
      went = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(went).toBe(false);
    now += RATE_WINDOW_MS;
    await new Promise((r) => setTimeout(r, 150));
    expect(went).toBe(true);
    p.reset();
  });

  it('reset() turns every waiter away (false: do not send)', async () => {
    const p = new Pacer(10);
    const waits = [p.acquire(), p.acquire()];
    p.reset();
    expect(await Promise.all(waits)).toEqual([false, false]);
  });
});

describe('FIFO: which path delivers', () => {
  const since = 1_000_000;
  it('a FIFO subscription takes the events stamped from its switch on; the fan-out the earlier ones', () => {
    expect(deliveredBy({ ordering: 'fifo', orderingSince: since }, since)).toBe('fifo');
    expect(deliveredBy({ ordering: 'fifo', orderingSince: since }, since - 1)).toBe('fanout');
  });
  it('after the switch back, the FIFO queue keeps the events stamped before it', () => {
    expect(deliveredBy({ ordering: null, orderingSince: since }, since - 1)).toBe('fifo');
    expect(deliveredBy({ ordering: null, orderingSince: since }, since)).toBe('fanout');
    expect(deliveredBy({}, since)).toBe('fanout');
  });
  it('the FIFO head: deliver, skip, wait for a change still on its way, or hold while disabled', () => {
    const fifo = { ordering: 'fifo' as const, orderingSince: since, enabled: true };
    expect(fifoHeadDecision(fifo, since, true)).toBe('deliver');
    expect(fifoHeadDecision(fifo, since, false)).toBe('skip');
    expect(fifoHeadDecision(fifo, since - 1, true)).toBe('skip');
    expect(fifoHeadDecision({ ...fifo, enabled: false }, since, true)).toBe('paused');
    expect(fifoHeadDecision(undefined, since, true)).toBe('wait');
    expect(fifoHeadDecision({ enabled: true }, since, true)).toBe('wait');
  });
});

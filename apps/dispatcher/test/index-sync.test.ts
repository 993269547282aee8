import type { SubscriptionRecord } from '@hookline/contracts';
import { IndexSync } from '../src/matching/index-sync';
import { SubscriptionIndex } from '../src/matching/subscription-index';
import { logger, subscription } from './support/harness';

/** Events wait while the change feed is away, and go on once a snapshot read after its return is applied. */
describe('IndexSync holding events while the change feed is away', () => {
  function setup() {
    const index = new SubscriptionIndex();
    const snapshot: SubscriptionRecord[] = [];
    let stopped = false;
    const sync = new IndexSync({
      index,
      source: { load: async () => snapshot.slice() },
      logger,
      onSnapshot: () => {},
      stopped: () => stopped,
    });
    return { index, snapshot, sync, stop: () => (stopped = true) };
  }

  /** 'waiting' while `p` has not settled after a few turns of the event loop. */
  async function state(p: Promise<void>): Promise<'done' | 'failed' | 'waiting'> {
    return Promise.race([
      p.then(
        () => 'done' as const,
        () => 'failed' as const,
      ),
      new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 20)),
    ]);
  }

  it('an event arriving while the feed is lost waits, and matches the subscription the snapshot brings', async () => {
    const { index, snapshot, sync } = setup();
    expect(await state(sync.whenCurrent())).toBe('done');
    sync.feedLost();
    const event = sync.whenCurrent().then(() => index.match('LIKED_PHOTO').length);
    expect(await state(event.then(() => {}))).toBe('waiting');
    snapshot.push(subscription('http://127.0.0.1:1/x'));
    sync.feedResubscribed();
    expect(await event).toBe(1);
  });

  it('lost again before the first snapshot is read: waits for the second re-subscription', async () => {
    const { sync } = setup();
    sync.feedLost();
    const waiting = sync.whenCurrent();
    sync.feedResubscribed();
    sync.feedLost();
    expect(await state(waiting)).toBe('waiting');
    sync.feedResubscribed();
    expect(await state(waiting)).toBe('done');
  });

  it('a worker stopping meanwhile fails the wait, so the event goes back to RabbitMQ', async () => {
    const { sync, stop } = setup();
    sync.feedLost();
    const waiting = sync.whenCurrent();
    stop();
    sync.abandon();
    expect(await state(waiting)).toBe('failed');
  });
});

import type { SubscriptionRecord } from '@hookline/contracts';
import type { SubscriptionSource } from '@hookline/dispatcher';
import { toRecord } from './models';
import type { SubscriptionStore } from './store';

/**
 * Every subscription as the dispatchers receive it, read from a cursor: what `GET /subscription/snapshot`
 * streams, and what a dispatcher in the same process (`npm start`) is handed directly, without
 * serializing 100,000 records to JSON and parsing them back on the same thread.
 */
export async function* snapshotRecords(
  store: SubscriptionStore,
  isAborted: () => boolean = () => false,
): AsyncGenerator<SubscriptionRecord> {
  const cursor = store.cursor();
  try {
    const now = new Date();
    for await (const doc of cursor) {
      if (isAborted()) return;
      yield toRecord(doc, now);
    }
  } finally {
    await cursor.close().catch(() => {});
  }
}

/** The snapshot for a dispatcher in this process: the same records as the HTTP route's, as objects. */
export function inProcessSnapshot(store: SubscriptionStore): SubscriptionSource {
  return {
    async load() {
      const out: SubscriptionRecord[] = [];
      for await (const record of snapshotRecords(store)) out.push(record);
      return out;
    },
  };
}

import { type SubscriptionRecord, subscriptionRecordSchema } from '@hookline/contracts';

/** Where a dispatcher loads every subscription from at start (and periodically, as a backstop). */
export interface SubscriptionSource {
  load(): Promise<SubscriptionRecord[]>;
}

/**
 * Reads the subscription service's NDJSON snapshot (`GET /subscription/snapshot`). The dispatcher
 * never reads the subscription service's collections: that service owns them.
 */
export function httpSubscriptionSource(baseUrl: string, apiKey: string | undefined): SubscriptionSource {
  return {
    async load() {
      const res = await fetch(new URL('/subscription/snapshot', baseUrl), {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        signal: AbortSignal.timeout(30_000),
      });
      if (!res.ok) throw new Error(`subscription snapshot: HTTP ${res.status}`);
      const text = await res.text();
      const out: SubscriptionRecord[] = [];
      for (const line of text.split('\n')) {
        if (line.trim()) out.push(subscriptionRecordSchema.parse(JSON.parse(line)));
      }
      return out;
    },
  };
}

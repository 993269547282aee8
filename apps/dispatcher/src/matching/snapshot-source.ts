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
      if (!res.ok || !res.body) throw new Error(`subscription snapshot: HTTP ${res.status}`);
      // Parsed line by line as the stream arrives, so parsing overlaps the service reading its
      // cursor instead of waiting for the whole body (100,000 subscriptions are tens of MB).
      const out: SubscriptionRecord[] = [];
      const decoder = new TextDecoder();
      let rest = '';
      const take = (line: string) => {
        if (line.trim()) out.push(subscriptionRecordSchema.parse(JSON.parse(line)));
      };
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) take(line);
      }
      take(rest + decoder.decode());
      return out;
    },
  };
}

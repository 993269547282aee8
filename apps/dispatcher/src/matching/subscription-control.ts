import type { SubscriptionRecord } from '@hookline/contracts';
import type { SubscriptionControl } from '../delivery/delivery-loop';
import type { SubscriptionIndex } from './subscription-index';

/**
 * Disables subscriptions through the subscription service (which owns them and publishes the
 * change to every dispatcher). The local index is updated at once so this instance stops
 * delivering without waiting for the change to come back.
 */
export function httpSubscriptionControl(
  baseUrl: string,
  apiKey: string | undefined,
  index: SubscriptionIndex,
): SubscriptionControl {
  return {
    async disable(sub: SubscriptionRecord, reason: string) {
      index.upsert({ ...sub, enabled: false, version: Math.max(sub.version + 1, Date.now()) });
      const res = await fetch(new URL(`/subscription/${encodeURIComponent(sub.id)}`, baseUrl), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ enabled: false, disabledReason: reason }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok && res.status !== 404) throw new Error(`disabling ${sub.id}: HTTP ${res.status}`);
    },
  };
}

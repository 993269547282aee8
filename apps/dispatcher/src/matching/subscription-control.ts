import type { SubscriptionRecord } from '@hookline/contracts';
import type { SubscriptionControl } from '../delivery/delivery-loop';
import type { SubscriptionIndex } from './subscription-index';

/**
 * Disables subscriptions through the subscription service, which owns them and publishes the change
 * to every dispatcher: `disable` is that service's own (same process, `npm start`) or its
 * `PATCH /subscription/:id` (httpSubscriptionControl). The local index is updated at once so this
 * instance stops delivering without waiting for the change to come back.
 */
export function subscriptionControl(
  disable: (subscriptionId: string, reason: string) => Promise<void>,
  index: SubscriptionIndex,
): SubscriptionControl {
  return {
    async disable(sub: SubscriptionRecord, reason: string) {
      index.upsert({ ...sub, enabled: false, version: Math.max(sub.version + 1, Date.now()) });
      await disable(sub.id, reason);
    },
  };
}

/** The subscription service in another process, over HTTP. */
export function httpSubscriptionControl(
  baseUrl: string,
  apiKey: string | undefined,
  index: SubscriptionIndex,
): SubscriptionControl {
  return subscriptionControl(async (id, reason) => {
    const res = await fetch(new URL(`/subscription/${encodeURIComponent(id)}`, baseUrl), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ enabled: false, disabledReason: reason }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok && res.status !== 404) throw new Error(`disabling ${id}: HTTP ${res.status}`);
  }, index);
}

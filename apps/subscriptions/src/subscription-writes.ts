import { HttpError } from '@hookline/http';
import type { AppContext } from './context';
import { type SubscriptionDoc, tenantOf } from './models';
import type { SubscriptionChanges } from './store';

export const notFound = (id: string) => new HttpError(404, 'not_found', `subscription ${id} does not exist`);

/** What the caller may see of a subscription: another tenant's answers exactly as an unknown id does. */
export const visible = (doc: SubscriptionDoc | null, scope: string | undefined): SubscriptionDoc | null =>
  doc && (scope === undefined || tenantOf(doc) === scope) ? doc : null;

type Change = (current: SubscriptionDoc) => SubscriptionChanges | null;

/**
 * Every write to one subscription by id, for the routes and for a dispatcher in the same process:
 * 404 when unknown (or another tenant's, with `scope`), the FIFO queue bound before a write that
 * needs it, and the change on its way to the dispatchers before the caller hears of it. `check` may
 * refuse the change once the subscription is known to exist and be visible.
 */
export function subscriptionWriter(ctx: Pick<AppContext, 'store' | 'feed' | 'fifoQueues'>) {
  const { store, feed, fifoQueues } = ctx;
  return async function updateAndPublish(
    id: string,
    scope: string | undefined,
    change: Change,
    check?: (before: SubscriptionDoc) => Promise<void>,
  ): Promise<SubscriptionDoc> {
    const before = visible(await store.get(id), scope);
    if (!before) throw notFound(id);
    await check?.(before);
    await fifoQueues.prepare(id, change(before) ?? {}, before);
    const result = await store.update(id, (current) => {
      if (!visible(current, scope)) throw notFound(id);
      return change(current);
    });
    if (!result) throw notFound(id);
    await feed.upserted(result.doc);
    await fifoQueues.settle(before, result.doc);
    return result.doc;
  };
}

/**
 * Disables a subscription with its reason, as `PATCH /subscription/:id {"enabled": false,
 * "disabledReason"}` does: what a dispatcher in the same process calls (410, a receiver's request,
 * auto-disable) instead of requesting its own process over HTTP. One deleted meanwhile is no error.
 */
export function subscriptionDisabler(ctx: Pick<AppContext, 'store' | 'feed' | 'fifoQueues'>) {
  const updateAndPublish = subscriptionWriter(ctx);
  return async (id: string, reason: string): Promise<void> => {
    try {
      await updateAndPublish(id, undefined, () => ({ enabled: false, disabledReason: reason }));
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
    }
  };
}

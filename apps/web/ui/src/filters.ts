import type { Query } from './api';
import type { Subscription } from './types';

/** Delivery list filters as the form holds them: `since`/`until` are datetime-local strings. */
export interface DeliveryFilters {
  status: string;
  tenant: string;
  subscriptionId: string;
  eventType: string;
  since: string;
  until: string;
}

export const NO_DELIVERY_FILTERS: DeliveryFilters = {
  status: '',
  tenant: '',
  subscriptionId: '',
  eventType: '',
  since: '',
  until: '',
};

/** A datetime-local value ("2026-11-28T10:30", local time) as ISO 8601, or undefined when unusable. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The query of `GET /deliveries` for these filters: empty ones are left out, times in ISO 8601. */
export function deliveryQuery(f: DeliveryFilters, cursor: string | null, limit = 25): Query {
  return {
    status: f.status || undefined,
    tenant: f.tenant.trim() || undefined,
    subscriptionId: f.subscriptionId.trim() || undefined,
    eventType: f.eventType.trim() || undefined,
    since: localToIso(f.since),
    until: localToIso(f.until),
    cursor: cursor ?? undefined,
    limit,
  };
}

export interface SubscriptionFilters {
  tenant: string;
  eventType: string;
  enabled: '' | 'true' | 'false';
  failing: boolean;
}

export const NO_SUBSCRIPTION_FILTERS: SubscriptionFilters = { tenant: '', eventType: '', enabled: '', failing: false };

/** What `GET /subscription` filters itself (tenant, event type). */
export function subscriptionQuery(f: SubscriptionFilters, cursor: string | null, limit = 50): Query {
  return { tenant: f.tenant.trim() || undefined, eventType: f.eventType.trim() || undefined, cursor, limit };
}

/** What the page filters (the API has no enabled or failing filter): failing ids come from /deliveries/stats. */
export function filterSubscriptions(
  list: readonly Subscription[],
  f: SubscriptionFilters,
  failingIds: ReadonlySet<string>,
): Subscription[] {
  return list.filter(
    (s) =>
      (f.enabled === '' || String(s.enabled) === f.enabled) &&
      (!f.failing || failingIds.has(s.id) || (!s.enabled && Boolean(s.disabledReason))),
  );
}

/**
 * Cursor paging: the stack holds the cursor of every page shown so far (null for the first), so
 * "previous" works although the API only pages forwards.
 */
export interface Pager {
  stack: (string | null)[];
}
export const firstPage = (): Pager => ({ stack: [null] });
export const currentCursor = (p: Pager): string | null => p.stack[p.stack.length - 1] ?? null;
export const nextPage = (p: Pager, next: string): Pager => ({ stack: [...p.stack, next] });
export const previousPage = (p: Pager): Pager => (p.stack.length > 1 ? { stack: p.stack.slice(0, -1) } : p);
export const pageNumber = (p: Pager): number => p.stack.length;

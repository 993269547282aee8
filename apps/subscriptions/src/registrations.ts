import { DEFAULT_TENANT } from '@hookline/contracts';
import type { SubscriptionDoc } from './models';
import type { NewSubscription, SubscriptionStore } from './store';

/**
 * `POST /webhook {url, event}` and `POST /webhooks/ {url}` make at most one subscription per url and
 * event, also when two requests race: each such subscription carries a `registration` key (what
 * identifies the registration) under a unique index, so of two concurrent inserts exactly one wins and
 * the other finds the winner. A check before the insert cannot do that: both requests see nothing.
 * (The webhooks-by-event and all-events routes serve the default tenant only, so the key needs no tenant.)
 */
export function registrationKey(url: string, event: string): string {
  return `${event} ${url}`;
}

export type Registration = { outcome: 'created'; doc: SubscriptionDoc } | { outcome: 'exists'; doc: SubscriptionDoc };

/** Whether a subscription still is what its registration key says (it may have been edited since). */
function stillRegistered(doc: SubscriptionDoc, url: string, event: string): boolean {
  return doc.url === url && doc.eventTypes.includes(event);
}

export async function register(store: SubscriptionStore, url: string, event: string): Promise<Registration> {
  await store.model.init(); // the unique index must exist before the first insert relies on it
  const key = registrationKey(url, event);
  // Subscriptions made through /subscription carry no key: they count too.
  const [existing] = await store.find({ tenant: DEFAULT_TENANT, url, eventTypes: [event] });
  if (existing) return { outcome: 'exists', doc: existing };
  const input: NewSubscription = { tenant: DEFAULT_TENANT, url, eventTypes: [event], registration: key };
  for (let attempt = 0; ; attempt++) {
    const doc = await store.createUnique(input);
    if (doc) return { outcome: 'created', doc };
    const holder = await store.model.findOne({ registration: key }).lean<SubscriptionDoc>();
    if (holder && stillRegistered(holder, url, event)) return { outcome: 'exists', doc: holder };
    // The key's holder was edited (PATCH) into something else, or deleted meanwhile: free the key, retry.
    if (holder) await store.model.updateOne({ _id: holder._id, registration: key }, { $unset: { registration: 1 } });
    if (attempt === 3) throw new Error(`could not register ${url} for ${event}: the registration keeps changing`);
  }
}

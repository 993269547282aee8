import { DEFAULT_TENANT, WILDCARD_EVENT_TYPE } from '@hookline/contracts';
import { defineRoute, HttpError } from '@hookline/http';
import type { AppContext } from '../context';
import { type SubscriptionDoc, toRecord } from '../models';
import { DEFAULT_PING_DATA, type PingTarget, pingAll } from '../ping';
import { register } from '../registrations';
import { pingBodySchema, pingResultSchema, webhookRegisteredSchema, webhooksByEventSchema } from '../schemas';

const tags = ['webhooks by event'];

/**
 * The webhooks-by-event API, as views of the same subscriptions: `POST /webhook` is a subscription to one event,
 * `DELETE /webhook` takes that event off the url's subscriptions, `GET /webhooks` groups by event.
 * Where `*` subscriptions appear: unfiltered, as their own `"*"` group; with `?event_filter=E`,
 * among E's urls, because they do receive E (the filter answers "who gets E?").
 */
export function registerWebhooksByEventRoutes(ctx: AppContext): void {
  const { store, feed, schemas } = ctx;

  /** The subscriptions `event_filter` selects, and the event each is reported (and pinged) under. */
  async function matching(eventFilter: string | undefined, enabledOnly: boolean) {
    const pairs: Array<{ event: string; doc: SubscriptionDoc }> = [];
    if (eventFilter === undefined) {
      for (const doc of await store.find({ tenant: DEFAULT_TENANT, enabledOnly })) {
        for (const event of doc.eventTypes) pairs.push({ event, doc });
      }
    } else {
      const types = eventFilter === WILDCARD_EVENT_TYPE ? [eventFilter] : [eventFilter, WILDCARD_EVENT_TYPE];
      for (const doc of await store.find({ tenant: DEFAULT_TENANT, eventTypes: types, enabledOnly }))
        pairs.push({ event: eventFilter, doc });
    }
    return pairs;
  }

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/webhook',
    summary: 'Register a url for one event (a subscription {url, eventTypes: [event]})',
    tags,
    body: schemas.webhookBody,
    responses: {
      201: { description: 'registered', schema: webhookRegisteredSchema },
      409: { description: 'this url is already registered for this event' },
    },
    async handler({ body }, _req, res) {
      const registration = await register(store, body.url, body.event);
      if (registration.outcome === 'exists') {
        throw new HttpError(409, 'already_registered', `${body.url} is already registered for ${body.event}`);
      }
      await feed.upserted(registration.doc);
      res.status(201).json({ message: 'Webhook registered successfully', url: body.url, event: body.event });
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'delete',
    path: '/webhook',
    summary: 'Unregister a url from one event (a subscription left without events is deleted)',
    tags,
    body: schemas.webhookRemovalBody,
    responses: {
      204: { description: 'unregistered' },
      404: { description: 'this url is not registered for this event' },
    },
    async handler({ body }, _req, res) {
      let removed = 0;
      for (const doc of await store.find({ tenant: DEFAULT_TENANT, url: body.url, eventTypes: [body.event] })) {
        if (await removeEvent(ctx, doc._id, body.event)) removed++;
      }
      if (removed === 0) {
        throw new HttpError(404, 'not_found', `${body.url} is not registered for ${body.event}`);
      }
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'get',
    path: '/webhooks',
    summary: 'Registered urls grouped by event; `*` subscriptions are their own group, and count for any event_filter',
    tags,
    query: schemas.eventFilterQuery,
    responses: { 200: { description: 'grouped by event', schema: webhooksByEventSchema } },
    async handler({ query }, _req, res) {
      const groups = new Map<string, Set<string>>();
      for (const { event, doc } of await matching(query.event_filter, false)) {
        const urls = groups.get(event) ?? new Set<string>();
        groups.set(event, urls.add(doc.url));
      }
      // Catalog names in order, the wildcard last.
      const events = [...groups.keys()].sort((a, b) =>
        a === WILDCARD_EVENT_TYPE ? 1 : b === WILDCARD_EVENT_TYPE ? -1 : a.localeCompare(b),
      );
      res.json({ webhooks: events.map((event) => ({ event, urls: [...(groups.get(event) ?? [])] })) });
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/ping',
    summary: 'Send a signed test delivery to every matching enabled url (5 s timeout each) and report',
    tags,
    query: schemas.eventFilterQuery,
    body: pingBodySchema,
    bodyOptional: true,
    responses: { 200: { description: 'the tally, whether or not some failed', schema: pingResultSchema } },
    async handler({ query, body }, _req, res) {
      const now = new Date();
      const targets: PingTarget[] = (await matching(query.event_filter, true)).map(({ event, doc }) => ({
        event,
        record: toRecord(doc, now),
      }));
      res.json(await pingAll(ctx.pingSender, targets, body === undefined ? DEFAULT_PING_DATA : body));
    },
  });
}

/**
 * Takes `event` off one subscription, deleting it when nothing is left; publishes the change.
 * Resolves false when the subscription no longer has that event (someone else got there first).
 */
async function removeEvent(ctx: AppContext, id: string, event: string): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await ctx.store.get(id);
    if (!current?.eventTypes.includes(event)) return false;
    const remaining = current.eventTypes.filter((t) => t !== event);
    if (remaining.length === 0) {
      if (await ctx.store.deleteIfUnchanged(current)) {
        await ctx.feed.deleted(id);
        return true;
      }
      continue;
    }
    const result = await ctx.store.update(id, (doc) =>
      doc.updatedAt.getTime() === current.updatedAt.getTime() ? { eventTypes: remaining } : null,
    );
    if (result?.changed) {
      await ctx.feed.upserted(result.doc);
      return true;
    }
  }
  throw new HttpError(409, 'conflict', `subscription ${id} is changing too often; try again`);
}

import { DEFAULT_TENANT, WILDCARD_EVENT_TYPE } from '@hookline/contracts';
import type { AppContext } from '../context';
import { toView } from '../model';
import { defineRoute } from '../route';
import { subscriptionWithSecretSchema } from '../schemas';

/**
 * Seed 004's `POST /webhooks/ {url}`: subscribe a url to every event. Its scripts register at every
 * run, so registering a url that already has a `*` subscription answers that one (200) instead of
 * creating a second, which would deliver every event twice.
 */
export function registerSeed004Routes(ctx: AppContext): void {
  defineRoute(ctx, {
    method: 'post',
    // Express' non-strict routing serves `/webhooks/` here too.
    path: '/webhooks',
    summary: 'Subscribe a url to every event ("*"); `/webhooks/` works too',
    tags: ['webhooks (seed 004)'],
    body: ctx.schemas.allEventsBody,
    responses: {
      201: { description: 'subscribed', schema: subscriptionWithSecretSchema },
      200: { description: 'this url already had a "*" subscription: that one', schema: subscriptionWithSecretSchema },
    },
    async handler({ body }, _req, res) {
      const [existing] = await ctx.store.find({
        tenant: DEFAULT_TENANT,
        url: body.url,
        eventTypes: [WILDCARD_EVENT_TYPE],
      });
      if (existing) {
        res.status(200).json({ ...toView(existing), secret: existing.secret });
        return;
      }
      const doc = await ctx.store.create({ tenant: DEFAULT_TENANT, url: body.url, eventTypes: [WILDCARD_EVENT_TYPE] });
      await ctx.feed.upserted(doc);
      res.status(201).json({ ...toView(doc), secret: doc.secret });
    },
  });
}

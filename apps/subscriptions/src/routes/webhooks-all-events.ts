import { WILDCARD_EVENT_TYPE } from '@hookline/contracts';
import { defineRoute } from '@hookline/http';
import type { AppContext } from '../context';
import { toSubscriptionView } from '../models';
import { register } from '../registrations';
import { subscriptionWithSecretSchema } from '../schemas';

/**
 * `POST /webhooks/ {url}`: subscribe a url to every event. The callers this was made for register
 * at every run of their scripts, so registering a url that already has a `*` subscription answers that one (200) instead of
 * creating a second, which would deliver every event twice; concurrent ones too (registrations.ts).
 */
export function registerWebhooksAllEventsRoute(ctx: AppContext): void {
  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    // Express' non-strict routing serves `/webhooks/` here too.
    path: '/webhooks',
    summary: 'Subscribe a url to every event ("*"); `/webhooks/` works too',
    tags: ['webhooks for all events'],
    body: ctx.schemas.allEventsBody,
    responses: {
      201: { description: 'subscribed', schema: subscriptionWithSecretSchema },
      200: { description: 'this url already had a "*" subscription: that one', schema: subscriptionWithSecretSchema },
    },
    async handler({ body }, _req, res) {
      const { outcome, doc } = await register(ctx.store, body.url, WILDCARD_EVENT_TYPE);
      if (outcome === 'created') await ctx.feed.upserted(doc);
      res.status(outcome === 'created' ? 201 : 200).json({ ...toSubscriptionView(doc), secret: doc.secret });
    },
  });
}

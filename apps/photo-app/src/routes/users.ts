import { createEnvelope, errorBodySchema } from '@hookline/contracts';
import { defineRoute, HttpError } from '@hookline/http';
import { isDuplicateKey } from '@hookline/runtime';
import { Types } from 'mongoose';
import type { z } from 'zod';
import type { UserDoc, WithId } from '../models';
import { pendingEvent, publishPending } from '../outbox/outbox';
import { createdUserResponse, createUserBody, listQuery, userListResponse } from '../schemas';
import { type AppContext, oldestFirst } from './context';

function toUserView(doc: WithId<UserDoc>): z.infer<typeof userListResponse>['data'][number] {
  return { id: doc._id.toString(), username: doc.username, createdAt: doc.createdAt.toISOString() };
}

/**
 * The user notification system's users: registering one publishes user_registered. The document and
 * its event are ONE write (the outbox, see outbox/outbox.ts): once it is stored the event goes out,
 * now or through the relay, under the id the response names, so nothing is lost to a crash and a
 * client's retry never meets a user whose event vanished.
 */
export function userRoutes(ctx: AppContext): void {
  const { publisher, models, logger } = ctx;

  defineRoute(ctx, {
    method: 'post',
    path: '/users',
    tags: ['photo-app'],
    summary: 'Register a user: publishes user_registered',
    access: ctx.access.open,
    body: createUserBody,
    responses: {
      201: { description: 'created and published', schema: createdUserResponse },
      409: { description: 'username taken', schema: errorBodySchema },
    },
    async handler({ body: { username } }, _req, res) {
      await models.ready();
      const _id = new Types.ObjectId();
      const createdAt = new Date();
      const event = createEnvelope('user_registered', {
        userId: _id.toString(),
        username,
        createdAt: createdAt.toISOString(),
      });
      let user: WithId<UserDoc>;
      try {
        user = (await models.User.create({ _id, username, createdAt, outbox: pendingEvent(event) })).toObject();
      } catch (err) {
        if (isDuplicateKey(err)) throw new HttpError(409, 'username_taken', `the username "${username}" is taken`);
        throw err;
      }
      const eventStatus = await publishPending(models.outboxes.users, _id, event, publisher, logger);
      res
        .status(201)
        .json({ ...toUserView(user), eventId: event.id, eventStatus } satisfies z.infer<typeof createdUserResponse>);
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/users',
    tags: ['photo-app'],
    summary: 'List users, oldest first',
    access: ctx.access.open,
    query: listQuery,
    responses: { 200: { description: 'users', schema: userListResponse } },
    async handler({ query: { limit, cursor } }, _req, res) {
      const page = await oldestFirst(models.User, {}, { limit, cursor });
      res.json({ ...page, data: page.data.map(toUserView) } satisfies z.infer<typeof userListResponse>);
    },
  });
}

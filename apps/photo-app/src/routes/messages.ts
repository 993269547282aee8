import { createEnvelope, errorBodySchema } from '@hookline/contracts';
import { defineRoute, HttpError } from '@hookline/http';
import { Types } from 'mongoose';
import type { z } from 'zod';
import type { MessageDoc, WithId } from '../models';
import { pendingEvent, publishPending } from '../outbox/outbox';
import { createdMessageResponse, messageListResponse, messagesQuery, sendMessageBody } from '../schemas';
import { type AppContext, oldestFirst } from './context';

function toMessageView(doc: WithId<MessageDoc>): z.infer<typeof messageListResponse>['data'][number] {
  return {
    id: doc._id.toString(),
    sender: doc.sender,
    recipient: doc.recipient,
    subject: doc.subject,
    message: doc.message,
    createdAt: doc.createdAt.toISOString(),
  };
}

/**
 * The user notification system's messages: sending one publishes user_send_message, through the
 * outbox like a new user (see users.ts).
 */
export function messageRoutes(ctx: AppContext): void {
  const { publisher, models, logger } = ctx;

  defineRoute(ctx, {
    method: 'post',
    path: '/users/messages',
    tags: ['photo-app'],
    summary: 'Send a message from one user to another: publishes user_send_message',
    access: ctx.access.open,
    body: sendMessageBody,
    responses: {
      201: { description: 'stored and published', schema: createdMessageResponse },
      400: { description: 'invalid, unknown_user or same_user', schema: errorBodySchema },
    },
    async handler({ body }, _req, res) {
      if (body.sender === body.recipient) {
        throw new HttpError(400, 'same_user', 'a user cannot send a message to themselves', [
          { field: 'recipient', message: 'must differ from sender' },
        ]);
      }
      const found = await models.User.find(
        { username: { $in: [body.sender, body.recipient] } },
        { username: 1 },
      ).lean();
      const known = new Set(found.map((u) => u.username));
      const unknown = (['sender', 'recipient'] as const).filter((f) => !known.has(body[f]));
      if (unknown.length > 0) {
        throw new HttpError(
          400,
          'unknown_user',
          'the sender or recipient is not a registered user',
          unknown.map((f) => ({ field: f, message: `no user "${body[f]}"` })),
        );
      }
      await models.ready();
      const _id = new Types.ObjectId();
      const createdAt = new Date();
      const event = createEnvelope('user_send_message', {
        messageId: _id.toString(),
        sender: body.sender,
        recipient: body.recipient,
        subject: body.subject,
        message: body.message,
        createdAt: createdAt.toISOString(),
      });
      const doc = (await models.Message.create({ ...body, _id, createdAt, outbox: pendingEvent(event) })).toObject();
      const eventStatus = await publishPending(models.outboxes.messages, _id, event, publisher, logger);
      res.status(201).json({
        ...toMessageView(doc),
        eventId: event.id,
        eventStatus,
      } satisfies z.infer<typeof createdMessageResponse>);
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/users/messages',
    tags: ['photo-app'],
    summary: "List a user's received messages, oldest first",
    access: ctx.access.open,
    query: messagesQuery,
    responses: {
      200: { description: 'messages', schema: messageListResponse },
      404: { description: 'no such recipient', schema: errorBodySchema },
    },
    async handler({ query: { recipient, limit, cursor } }, _req, res) {
      if (!(await models.User.exists({ username: recipient }))) {
        throw new HttpError(404, 'user_not_found', `no user "${recipient}"`);
      }
      const page = await oldestFirst(models.Message, { recipient }, { limit, cursor });
      res.json({ ...page, data: page.data.map(toMessageView) } satisfies z.infer<typeof messageListResponse>);
    },
  });
}

import { createEnvelope, errorBodySchema } from '@hookline/contracts';
import { HttpError, jsonBody } from '@hookline/http';
import { Types } from 'mongoose';
import type { z } from 'zod';
import { isDuplicateKey, type MessageDoc, type UserDoc } from '../models';
import { pendingEvent, publishPending } from '../outbox/outbox';
import {
  createdMessageResponse,
  createdUserResponse,
  createUserBody,
  listQuery,
  messageListResponse,
  messagesQuery,
  sendMessageBody,
  userListResponse,
} from '../schemas';
import { errorResponses, type RouteContext } from './context';

/** Oldest first, after the cursor (the last id of the previous page; ObjectIds grow with time). */
function after(cursor: string | undefined): Record<string, unknown> {
  return cursor ? { _id: { $gt: new Types.ObjectId(cursor) } } : {};
}

/** One more document than the page was fetched: its presence says whether there is a next page. */
function pageOf<T extends { _id: unknown }>(docs: T[], limit: number): { page: T[]; next_cursor: string | null } {
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: docs.length > limit && last ? String(last._id) : null };
}

type WithId<T> = T & { _id: { toString(): string } };

function toUser(doc: WithId<UserDoc>): z.infer<typeof userListResponse>['data'][number] {
  return { id: doc._id.toString(), username: doc.username, createdAt: doc.createdAt.toISOString() };
}

function toMessage(doc: WithId<MessageDoc>): z.infer<typeof messageListResponse>['data'][number] {
  return {
    id: doc._id.toString(),
    sender: doc.sender,
    recipient: doc.recipient,
    subject: doc.subject,
    message: doc.message,
    createdAt: doc.createdAt.toISOString(),
  };
}

const errorJson = { 'application/json': { schema: errorBodySchema } };

/**
 * Seed 003's user notification system: registering a user and sending a message each publish an
 * event. The document and its event are ONE write (the outbox, see outbox/outbox.ts): once it is
 * stored the event goes out, now or through the relay, under the id the response names, so nothing
 * is lost to a crash and a client's retry never meets a user whose event vanished.
 */
export function userRoutes({ router, openapi, publisher, models, logger }: RouteContext): void {
  const { User, Message } = models;

  router.post('/users', jsonBody, async (req, res) => {
    const { username } = createUserBody.parse(req.body);
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
      user = (await User.create({ _id, username, createdAt, outbox: pendingEvent(event) })).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new HttpError(409, 'username_taken', `the username "${username}" is taken`);
      throw err;
    }
    const eventStatus = await publishPending(models.outboxes.users, _id, event, publisher, logger);
    res
      .status(201)
      .json({ ...toUser(user), eventId: event.id, eventStatus } satisfies z.infer<typeof createdUserResponse>);
  });

  router.get('/users', async (req, res) => {
    const { limit, cursor } = listQuery.parse(req.query);
    const docs = await User.find(after(cursor))
      .sort({ _id: 1 })
      .limit(limit + 1)
      .lean<WithId<UserDoc>[]>();
    const { page, next_cursor } = pageOf(docs, limit);
    res.json({ data: page.map(toUser), next_cursor } satisfies z.infer<typeof userListResponse>);
  });

  router.post('/users/messages', jsonBody, async (req, res) => {
    const body = sendMessageBody.parse(req.body);
    if (body.sender === body.recipient) {
      throw new HttpError(400, 'same_user', 'a user cannot send a message to themselves', [
        { field: 'recipient', message: 'must differ from sender' },
      ]);
    }
    const found = await User.find({ username: { $in: [body.sender, body.recipient] } }, { username: 1 }).lean();
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
    const doc = (await Message.create({ ...body, _id, createdAt, outbox: pendingEvent(event) })).toObject();
    const eventStatus = await publishPending(models.outboxes.messages, _id, event, publisher, logger);
    res
      .status(201)
      .json({ ...toMessage(doc), eventId: event.id, eventStatus } satisfies z.infer<typeof createdMessageResponse>);
  });

  router.get('/users/messages', async (req, res) => {
    const { recipient, limit, cursor } = messagesQuery.parse(req.query);
    if (!(await User.exists({ username: recipient }))) {
      throw new HttpError(404, 'user_not_found', `no user "${recipient}"`);
    }
    const docs = await Message.find({ recipient, ...after(cursor) })
      .sort({ _id: 1 })
      .limit(limit + 1)
      .lean<WithId<MessageDoc>[]>();
    const { page, next_cursor } = pageOf(docs, limit);
    res.json({ data: page.map(toMessage), next_cursor } satisfies z.infer<typeof messageListResponse>);
  });

  openapi.registerPath({
    method: 'post',
    path: '/users',
    tags: ['photo-app'],
    summary: 'Register a user: publishes user_registered',
    request: { body: { content: { 'application/json': { schema: createUserBody } } } },
    responses: {
      201: { description: 'created and published', content: { 'application/json': { schema: createdUserResponse } } },
      409: { description: 'username taken', content: errorJson },
      ...errorResponses,
    },
  });
  openapi.registerPath({
    method: 'get',
    path: '/users',
    tags: ['photo-app'],
    summary: 'List users, oldest first',
    request: { query: listQuery },
    responses: { 200: { description: 'users', content: { 'application/json': { schema: userListResponse } } } },
  });
  openapi.registerPath({
    method: 'post',
    path: '/users/messages',
    tags: ['photo-app'],
    summary: 'Send a message from one user to another: publishes user_send_message',
    request: { body: { content: { 'application/json': { schema: sendMessageBody } } } },
    responses: {
      201: {
        description: 'stored and published',
        content: { 'application/json': { schema: createdMessageResponse } },
      },
      ...errorResponses,
      400: { description: 'invalid, unknown_user or same_user', content: errorJson },
    },
  });
  openapi.registerPath({
    method: 'get',
    path: '/users/messages',
    tags: ['photo-app'],
    summary: "List a user's received messages, oldest first",
    request: { query: messagesQuery },
    responses: {
      200: { description: 'messages', content: { 'application/json': { schema: messageListResponse } } },
      404: { description: 'no such recipient', content: errorJson },
      400: errorResponses[400],
    },
  });
}

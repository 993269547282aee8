import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { type ReceivedRequest, type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Cluster } from '../support/cluster';
import { call, parseBody, verifySignature } from '../support/http';

/**
 * Over HTTP: payload filters, transformations, custom headers, the event catalog and
 * ed25519 signatures, with subscriptions, the dispatcher and the photo-app each in its own process.
 */

jest.setTimeout(60_000);

const TYPE = 'order.paid';

let cluster: Cluster;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  cluster = await Cluster.start({
    label: 'features',
    apps: ['subscriptions', 'dispatcher', 'photo-app'],
    env: { EXTRA_EVENT_TYPES: TYPE },
  });
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await Promise.all(receivers.map((r) => r.close()));
  await cluster?.stop();
}, 30_000);

/** Subscriptions created since the last `settled()`. */
const unsettled: string[] = [];

async function subscribe(body: Record<string, unknown>) {
  const res = await call('POST', `${cluster.url('subscriptions')}/subscription`, { eventTypes: [TYPE], ...body });
  expect(res.status).toBe(201);
  unsettled.push(res.body.id);
  return res.body as { id: string; secret?: string; publicKey?: string };
}

/**
 * A subscription reaches the dispatcher through RabbitMQ after its POST answered: waits until the
 * dispatcher knows every one created since the last call, so an event published next matches them.
 */
async function settled(): Promise<void> {
  for (const id of unsettled.splice(0)) await cluster.untilDispatcherKnows(id);
}

async function publish(data: unknown, type = TYPE) {
  const res = await call('POST', `${cluster.url('photo-app')}/events`, { type, data });
  expect(res.status).toBe(202);
  return res.body as { id: string };
}

const amounts = (reqs: ReceivedRequest[]) => reqs.map((r) => parseBody(r).data.amount).sort((a, b) => a - b);

describe('payload filters', () => {
  it('a filter on data.amount >= 100 delivers the 150 event and not the 50 one', async () => {
    const filtered = await receiver();
    const control = await receiver();
    const sub = await subscribe({ url: `${filtered.url}/f`, filter: { data: { amount: { $gte: 100 } } } });
    await subscribe({ url: `${control.url}/all` });
    await settled();
    await publish({ amount: 50 });
    await publish({ amount: 150 });
    // The unfiltered control got both: fan-out has matched both events.
    await control.waitFor(2);
    const [only] = await filtered.waitFor(1);
    expect(parseBody(only as ReceivedRequest).data).toEqual({ amount: 150 });
    const list = await waitFor(async () => {
      const r = await call('GET', `${cluster.url('dispatcher')}/deliveries?subscriptionId=${sub.id}`);
      return r.body.data?.[0]?.status === 'delivered' ? r : undefined;
    });
    // No delivery was even created for the 50 event.
    expect(list.body.data).toHaveLength(1);
    expect(filtered.requests).toHaveLength(1);
  });

  it('$or, $not, $in and $exist select exactly the matching events', async () => {
    const rxOr = await receiver();
    const rxNot = await receiver();
    const rxIn = await receiver();
    const rxExist = await receiver();
    const control = await receiver();
    await subscribe({
      url: rxOr.url,
      filter: { $or: [{ data: { amount: { $gt: 1000 } } }, { data: { currency: 'GBP' } }] },
    });
    await subscribe({ url: rxNot.url, filter: { $not: { data: { currency: { $in: ['EUR', 'USD'] } } } } });
    await subscribe({ url: rxIn.url, filter: { data: { currency: { $in: ['EUR', 'USD'] } } } });
    await subscribe({ url: rxExist.url, filter: { data: { coupon: { $exist: true } } } });
    await subscribe({ url: control.url });
    await settled();
    await publish({ amount: 1, currency: 'EUR' });
    await publish({ amount: 2, currency: 'GBP' });
    await publish({ amount: 3, currency: 'USD', coupon: 'X' });
    await publish({ amount: 5000, currency: 'JPY' });
    await control.waitFor(4);
    await rxOr.waitFor(2);
    await rxNot.waitFor(2);
    await rxIn.waitFor(2);
    await rxExist.waitFor(1);
    // Each event was fanned out to every subscription at once (the control has all four by now).
    expect(amounts(rxOr.requests)).toEqual([2, 5000]);
    expect(amounts(rxNot.requests)).toEqual([2, 5000]);
    expect(amounts(rxIn.requests)).toEqual([1, 3]);
    expect(amounts(rxExist.requests)).toEqual([3]);
  });

  it('an unknown operator or a wrong operand is a 400 naming the path inside the filter', async () => {
    const subs = cluster.url('subscriptions');
    const bad = await call('POST', `${subs}/subscription`, {
      url: 'http://127.0.0.1:9/x',
      eventTypes: [TYPE],
      filter: { data: { amount: { $gtx: 1 } }, $or: [{ type: 'a' }, { data: { c: { $in: 'EUR' } } }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'filter.$or.1.data.c.$in',
      'filter.data.amount.$gtx',
    ]);
  });
});

describe('custom headers', () => {
  it('arrive with each delivery; forbidden ones are refused with a 400', async () => {
    const rx = await receiver();
    const sub = await subscribe({ url: rx.url, headers: { 'X-Api-Key': 'k-123', 'X-Team': 'photos' } });
    await settled();
    await publish({ amount: 7 });
    const [req] = await rx.waitFor(1);
    expect(req?.headers['x-api-key']).toBe('k-123');
    expect(req?.headers['x-team']).toBe('photos');
    expect(() => verifySignature(sub.secret as string, req as ReceivedRequest)).not.toThrow();

    for (const name of ['webhook-signature', 'Content-Type', 'host', 'user-agent', 'transfer-encoding']) {
      const res = await call('PATCH', `${cluster.url('subscriptions')}/subscription/${sub.id}`, {
        headers: { [name]: 'x' },
      });
      expect([name, res.status, res.body.error?.details?.[0]?.field]).toEqual([name, 400, `headers.${name}`]);
    }
    const removed = await call('PATCH', `${cluster.url('subscriptions')}/subscription/${sub.id}`, { headers: null });
    expect(removed.status).toBe(200);
    expect(removed.body.headers).toBeUndefined();
  });
});

describe('transformations', () => {
  it('reshape the body, and the signature verifies on the transformed body', async () => {
    const rx = await receiver();
    const sub = await subscribe({
      url: rx.url,
      transform: '{"event": type, "cents": data.amount * 100, "id": id}',
    });
    await settled();
    const event = await publish({ amount: 12 });
    const [req] = await rx.waitFor(1);
    expect(JSON.parse(req?.body ?? '')).toEqual({ event: TYPE, cents: 1200, id: event.id });
    expect(() => verifySignature(sub.secret as string, req as ReceivedRequest)).not.toThrow();
    expect(req?.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('a transformation that loops forever fails the delivery within the bound, not retried', async () => {
    const rx = await receiver();
    const sub = await subscribe({ url: rx.url, transform: '($loop := function($n){ $loop($n + 1) }; $loop(0))' });
    await settled();
    await publish({ amount: 1 });
    const failed = await waitFor(async () => {
      const r = await call('GET', `${cluster.url('dispatcher')}/deliveries?subscriptionId=${sub.id}&status=failed`);
      return r.body.data?.[0];
    });
    const one = await waitFor(async () => {
      const r = await call('GET', `${cluster.url('dispatcher')}/deliveries/${failed.id}`);
      return r.body.attempts?.length >= 1 ? r.body : undefined;
    });
    expect(one.attempts).toHaveLength(1);
    expect(one.attempts[0].error).toMatch(/transformation failed: timed out after 50 ms/);
    expect(one.attempts[0].durationMs).toBeLessThan(1000);
    expect(rx.requests).toHaveLength(0);
  });

  it('POST /subscription/transform/test answers the body, or a 400 with the error and its position', async () => {
    const subs = cluster.url('subscriptions');
    const ok = await call('POST', `${subs}/subscription/transform/test`, {
      transform: '{"n": data.amount}',
      event: { type: TYPE, data: { amount: 3 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ body: { n: 3 } });
    const bad = await call('POST', `${subs}/subscription/transform/test`, {
      transform: '{"n": data.amount',
      event: { type: TYPE, data: {} },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_transform');
    expect(bad.body.error.details[0]).toMatchObject({
      field: 'transform',
      message: expect.stringMatching(/position \d+/),
    });
  });
});

/** What a receiver holding only the whpk_ key does, with node's crypto. */
function verifiesWithPublicKey(publicKey: string, req: ReceivedRequest): boolean {
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const content = Buffer.from(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${req.body}`);
  return String(req.headers['webhook-signature'])
    .split(' ')
    .filter((entry) => entry.startsWith('v1a,'))
    .some((entry) => cryptoVerify(null, content, key, Buffer.from(entry.slice(4), 'base64')));
}

describe('ed25519 signatures', () => {
  it('deliveries verify with the public key; the secret route never shows the private key; rotation signs with both', async () => {
    const subs = cluster.url('subscriptions');
    const rx = await receiver();
    const sub = await subscribe({ url: rx.url, signing: 'ed25519' });
    expect(sub.publicKey).toMatch(/^whpk_/);
    expect(sub.secret).toBeUndefined();
    const secret = await call('GET', `${subs}/subscription/${sub.id}/secret`);
    expect(secret.body).toEqual({ publicKey: sub.publicKey });
    expect(secret.text).not.toMatch(/whsk_/);
    await settled();
    await publish({ amount: 1 });
    const [first] = await rx.waitFor(1);
    expect(String(first?.headers['webhook-signature'])).toMatch(/^v1a,\S+$/);
    expect(verifiesWithPublicKey(sub.publicKey as string, first as ReceivedRequest)).toBe(true);

    const rotated = await call('POST', `${subs}/subscription/${sub.id}/secret/rotate`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.publicKey).toMatch(/^whpk_/);
    expect(rotated.text).not.toMatch(/whsk_/);
    // The rotation reaches the dispatcher through RabbitMQ after the answer: publish until a delivery
    // is signed with both keys (one signed before the change arrived has the first key alone).
    const second = await waitFor(async () => {
      const before = rx.requests.length;
      await publish({ amount: 2 });
      const last = (await rx.waitFor(before + 1))[before];
      return String(last?.headers['webhook-signature']).split(' ').length === 2 ? last : undefined;
    });
    expect(String(second?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWithPublicKey(sub.publicKey as string, second as ReceivedRequest)).toBe(true);
    expect(verifiesWithPublicKey(rotated.body.publicKey, second as ReceivedRequest)).toBe(true);
  });
});

describe('event catalog', () => {
  it('a declared type with a schema: subscribable, in /openapi.json, and POST /events rejects bad data with pointers', async () => {
    const subs = cluster.url('subscriptions');
    const photo = cluster.url('photo-app');
    const type = 'invoice.created';
    const before = await call('POST', `${subs}/subscription`, { url: 'http://127.0.0.1:9/x', eventTypes: [type] });
    expect(before.status).toBe(400);

    const schema = {
      type: 'object',
      required: ['invoiceId', 'amount'],
      properties: { invoiceId: { type: 'string', pattern: '^inv_[0-9]+$' }, amount: { type: 'number', minimum: 0 } },
    };
    const put = await call('PUT', `${subs}/event-types/${type}`, { description: 'An invoice was created', schema });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ type, description: 'An invoice was created', schema, builtIn: false });
    expect((await call('GET', `${subs}/event-types/${type}`)).body.schema).toEqual(schema);
    const list = await call('GET', `${subs}/event-types`);
    expect(list.body.data.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['LIKED_PHOTO', 'user_registered', 'user_send_message', type]),
    );
    const openapi = await call('GET', `${subs}/openapi.json`);
    expect(openapi.body.webhooks[type].post.requestBody.content['application/json'].schema.properties.data).toEqual(
      schema,
    );
    expect(openapi.body.webhooks.LIKED_PHOTO).toBeDefined();

    const rx = await receiver();
    const sub = await call('POST', `${subs}/subscription`, { url: rx.url, eventTypes: [type] });
    expect(sub.status).toBe(201);
    await cluster.untilDispatcherKnows(sub.body.id);

    // The photo-app reads the catalog from MongoDB with a short cache: the schema applies within it.
    const bad = await waitFor(async () => {
      const r = await call('POST', `${photo}/events`, { type, data: { invoiceId: 'x-1', amount: -5 } });
      return r.status === 422 ? r : undefined;
    });
    expect(bad.body.error.code).toBe('schema_validation_failed');
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: '/invoiceId', message: expect.stringMatching(/pattern/) },
        { field: '/amount', message: expect.stringMatching(/>= 0/) },
      ]),
    );
    const missing = await call('POST', `${photo}/events`, { type, data: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['/amount', '/invoiceId']);
    const good = await call('POST', `${photo}/events`, { type, data: { invoiceId: 'inv_1', amount: 10 } });
    expect(good.status).toBe(202);
    const [delivery] = await rx.waitFor(1);
    // Nothing of the refused events was published: the only delivery is the valid one.
    expect(parseBody(delivery as ReceivedRequest).data).toEqual({ invoiceId: 'inv_1', amount: 10 });
    expect(rx.requests).toHaveLength(1);
  });

  it('refuses a schema whose pattern can backtrack catastrophically; built-in types stay', async () => {
    const subs = cluster.url('subscriptions');
    const res = await call('PUT', `${subs}/event-types/evil.type`, {
      description: 'x',
      schema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: 'schema.properties.s.pattern' });
    expect((await call('GET', `${subs}/event-types/evil.type`)).status).toBe(404);
    expect((await call('DELETE', `${subs}/event-types/LIKED_PHOTO`)).status).toBe(409);
    const liked = await call('GET', `${subs}/event-types/LIKED_PHOTO`);
    expect(liked.body).toMatchObject({ builtIn: true, schema: { required: ['photoId'] } });
    const bad = await call('POST', `${cluster.url('photo-app')}/events`, { type: 'LIKED_PHOTO', data: {} });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([{ field: '/photoId', message: expect.any(String) }]);
  });
});

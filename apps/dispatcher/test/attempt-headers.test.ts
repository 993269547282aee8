import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { RECORDED_HEADERS_MAX, RECORDED_VALUE_MAX, REDACTED, recordedHeaders } from '../src/delivery/recorded-headers';
import { Harness, subscription } from './support/harness';

describe('the headers an attempt keeps', () => {
  it('lower-cases names, joins repeated values, caps count and length, and never keeps a credential', () => {
    const kept = recordedHeaders({
      'X-Team': 'ops',
      'X-Api-Key': 'k-123',
      Authorization: 'Bearer abc',
      'set-cookie': ['sid=1', 'theme=dark'],
      'webhook-signature': 'v1,abc=',
      vary: ['accept', 'origin'],
      'x-long': 'y'.repeat(RECORDED_VALUE_MAX + 10),
      'X-Auth': 'hunter2-auth',
      'X-Access-Key': 'hunter2-access',
      'X-Client-Passphrase': 'hunter2-pass',
      'Proxy-Authorization': 'Basic aHVudGVyMg==',
      'x.dotted': 'refused by MongoDB as a field name',
      $where: 'nor this',
      'content-length': 12,
    });
    expect(kept).toEqual({
      'x-team': 'ops',
      'x-api-key': REDACTED,
      authorization: REDACTED,
      'set-cookie': REDACTED,
      'webhook-signature': 'v1,abc=',
      vary: 'accept, origin',
      'x-long': 'y'.repeat(RECORDED_VALUE_MAX),
      'x-auth': REDACTED,
      'x-access-key': REDACTED,
      'x-client-passphrase': REDACTED,
      'proxy-authorization': REDACTED,
      'content-length': '12',
    });
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`x-h${i}`, String(i)]));
    expect(Object.keys(recordedHeaders(many))).toHaveLength(RECORDED_HEADERS_MAX);
    expect(recordedHeaders(undefined)).toEqual({});
  });
});

describe('attempts in the delivery document (real RabbitMQ, test MongoDB, a local receiver)', () => {
  const h = new Harness([300, 600]);
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });

  it('record the request headers as sent and the response status, headers and body, with no secret', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(503, {
        'content-type': 'text/plain',
        'retry-after': '0',
        'x-receiver': 'busy',
        'set-cookie': 'sid=s3cr3t',
      });
      res.end('try later');
    });
    const sub = subscription(`${receiver.url}/hook`, ['LIKED_PHOTO'], {
      headers: { 'X-Team': 'ops', 'X-Api-Key': 'receiver-key-123' },
    });
    await h.publishChange(sub);
    await h.publish('LIKED_PHOTO', { photoId: '7' });
    const [req] = await receiver.waitFor(1);
    const id = req?.headers['webhook-id'] as string;
    const doc = await waitFor(async () => {
      const d = await h.models.Delivery.findById(id).lean();
      return d?.attemptLog.length ? d : undefined;
    });
    const attempt = doc.attemptLog[0]!;
    expect(attempt.statusCode).toBe(503);
    expect(attempt.responseBody).toBe('try later');
    expect(attempt.requestHeaders).toMatchObject({
      'webhook-id': id,
      'webhook-timestamp': req?.headers['webhook-timestamp'],
      'webhook-signature': req?.headers['webhook-signature'],
      'content-type': 'application/json',
      'x-team': 'ops',
      'x-api-key': REDACTED,
    });
    expect(attempt.requestHeaders?.['user-agent']).toMatch(/^Hookline\//);
    expect(attempt.responseHeaders).toMatchObject({
      'content-type': 'text/plain',
      'x-receiver': 'busy',
      'set-cookie': REDACTED,
    });
    // Neither the receiver's key, its cookie, nor the signing secret is anywhere in the document.
    const stored = JSON.stringify(doc);
    for (const secret of ['receiver-key-123', 's3cr3t', sub.secret]) expect(stored).not.toContain(secret);
  });

  it('keep the body as sent when a transformation made it, and only then', async () => {
    receiver.respond((_req, res) => res.writeHead(200).end());
    const shaped = subscription(`${receiver.url}/shaped`, ['order.shaped'], {
      transform: '{"total": data.n * 2, "note": "café"}',
    });
    const plain = subscription(`${receiver.url}/plain`, ['order.shaped']);
    await h.publishChange(shaped);
    await h.publishChange(plain);
    await h.publish('order.shaped', { n: 21 });
    const attemptOf = (subscriptionId: string) =>
      waitFor(async () => (await h.models.Delivery.findOne({ subscriptionId }).lean())?.attemptLog[0]);
    const received = await waitFor(() => receiver.requests.find((r) => r.path === '/shaped'));
    expect((await attemptOf(shaped.id)).requestBody).toBe('{"total":42,"note":"café"}');
    expect(received.body).toBe('{"total":42,"note":"café"}');
    expect((await attemptOf(plain.id)).requestBody).toBeUndefined();
  });

  it('an attempt that got no answer keeps what it sent and no response headers', async () => {
    const closed = `http://127.0.0.1:1/unreachable`;
    const sub = subscription(closed, ['order.failed']);
    await h.publishChange(sub);
    await h.publish('order.failed', { n: 1 });
    const doc = await waitFor(async () => {
      const d = await h.models.Delivery.findOne({ subscriptionId: sub.id }).lean();
      return d?.attemptLog.length ? d : undefined;
    }, 10_000);
    const attempt = doc.attemptLog[0]!;
    expect(attempt.statusCode).toBeNull();
    expect(attempt.requestHeaders?.['webhook-id']).toBe(doc._id);
    expect(attempt.responseHeaders).toBeUndefined();
  });
});

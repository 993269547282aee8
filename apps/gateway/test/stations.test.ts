import { Broker, topologyFor } from '@hookline/broker';
import { createLogger } from '@hookline/http';
import { waitFor } from '@hookline/testing';
import protobuf from 'protobufjs';
import request from 'supertest';
import { createApp } from '../src';
import { API_KEY, type Harness, startHarness, tapStation, USER } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness('gwstations');
  token = (await request(h.app).post('/auth/authenticate').send(USER)).body.jwt;
});
afterAll(async () => {
  await h.close();
});

const produce = (station: string) =>
  request(h.app).post(`/stations/${station}/produce/single`).set('Authorization', `Bearer ${token}`);
const consume = (station: string, body: object) =>
  request(h.app).post(`/stations/${station}/consume/batch?authorization=${token}`).send(body);
const admin = (method: 'put' | 'get' | 'delete', station: string) =>
  request(h.app)[method](`/stations/${station}/schema`).set('Authorization', `Bearer ${API_KEY}`);

describe('POST /stations/:station/produce/single', () => {
  it('publishes a station event with the right routing key, envelope and raw origin', async () => {
    const read = await tapStation(h, 'orders');
    const raw = '{ "id": 1,\n  "item": "book" }';
    const res = await request(h.app)
      .post(`/stations/orders/produce/single?authorization=${token}`)
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', 't=1,v1=abc')
      .set('Cookie', 'session=1')
      .send(raw);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error: null, success: true });
    const [event, ...rest] = await read();
    expect(rest).toHaveLength(0);
    expect(event?.routingKey).toBe('station.orders');
    expect(event?.envelope).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      type: 'station.orders',
      data: { id: 1, item: 'book' },
    });
    expect(Date.parse(event?.envelope.timestamp ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const origin = event?.envelope.station;
    expect(origin?.contentType).toBe('application/json');
    expect(Buffer.from(origin?.bodyBase64 ?? '', 'base64').toString('utf8')).toBe(raw);
    expect(origin?.headers['stripe-signature']).toBe('t=1,v1=abc');
    expect(origin?.headers).not.toHaveProperty('authorization');
    expect(origin?.headers).not.toHaveProperty('cookie');
    expect(JSON.stringify(event?.envelope)).not.toContain(token);
  });

  it('seed step 2 with the token in the query string (Stripe), and in the header', async () => {
    const read = await tapStation(h, 'stripe-notifications');
    const viaQuery = await request(h.app)
      .post(`/stations/stripe-notifications/produce/single?authorization=${token}`)
      .set('Content-Type', 'application/json')
      .send('{"type":"invoice.paid"}');
    expect(viaQuery.body).toEqual({ error: null, success: true });
    const viaHeader = await request(h.app)
      .post('/stations/stripe-notifications/produce/single')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"type":"invoice.paid"}');
    expect(viaHeader.body).toEqual({ error: null, success: true });
    const events = await read();
    expect(events.map((e) => e.envelope.data)).toEqual([{ type: 'invoice.paid' }, { type: 'invoice.paid' }]);
    for (const e of events) expect(JSON.stringify(e.envelope)).not.toContain(token);
  });

  it('seed step 2 open-source URL: STATION_NAME is the station station_name (names are lower-cased)', async () => {
    const read = await tapStation(h, 'station_name');
    const res = await request(h.app)
      .post(`/stations/STATION_NAME/produce/single?authorization=${token}`)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(res.body).toEqual({ error: null, success: true });
    expect((await read())[0]?.routingKey).toBe('station.station_name');
  });

  it('text and protobuf bodies become {content_type, encoding: base64, body}', async () => {
    const read = await tapStation(h, 'mixed');
    await produce('mixed').set('Content-Type', 'text/plain; charset=utf-8').send('héllo').expect(200);
    const proto = Buffer.from([8, 150, 1]);
    await produce('mixed').set('Content-Type', 'application/x-protobuf').send(proto).expect(200);
    const [text, pb] = await read();
    expect(text?.envelope.data).toEqual({
      content_type: 'text/plain; charset=utf-8',
      encoding: 'base64',
      body: Buffer.from('héllo').toString('base64'),
    });
    expect(pb?.envelope.data).toEqual({
      content_type: 'application/x-protobuf',
      encoding: 'base64',
      body: proto.toString('base64'),
    });
    expect(pb?.envelope.station?.bodyBase64).toBe(proto.toString('base64'));
  });

  it('415 for other content types, 400 for bad JSON or a bad station name, 413 over 1 MB', async () => {
    for (const type of ['application/xml', 'application/x-www-form-urlencoded']) {
      const res = await produce('orders').set('Content-Type', type).send('<a/>');
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ success: false, error: 'unsupported content type' });
    }
    const noType = await produce('orders').send(Buffer.from('x'));
    expect(noType.status).toBe(415);
    const badJson = await produce('orders').set('Content-Type', 'application/json').send('{"a":');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ success: false, error: expect.stringMatching(/^the body is not valid JSON/) });
    const badName = await produce('bad.name').set('Content-Type', 'application/json').send('{}');
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ success: false, error: expect.stringMatching(/^invalid station name/) });
    const long = await produce('x'.repeat(65)).set('Content-Type', 'application/json').send('{}');
    expect(long.status).toBe(400);
    const big = await produce('orders')
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ success: false, error: expect.stringContaining('exceeds') });
  });

  it('503 in the Memphis shape when RabbitMQ is unavailable', async () => {
    const logger = createLogger('t', 'silent');
    const down = new Broker({ url: 'amqp://127.0.0.1:1', logger, topology: topologyFor({ namespace: h.namespace }) });
    const app = createApp({ config: h.config, broker: down, db: h.db, logger });
    const res = await request(app)
      .post(`/stations/orders/produce/single?authorization=${token}`)
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ success: false, error: expect.stringContaining('unavailable') });
    const pull = await request(app)
      .post(`/stations/orders/consume/batch?authorization=${token}`)
      .send({ consumer_name: 'c' });
    expect(pull.status).toBe(503);
    expect(pull.body.success).toBe(false);
  });
});

describe('station schemas', () => {
  const jsonSchema = {
    type: 'object',
    required: ['field1', 'field2', 'field3'],
    properties: { field1: { type: 'string' } },
  };

  it('PUT, GET and DELETE a JSON schema; nonconforming messages get the Memphis failure message', async () => {
    const put = await admin('put', 'checked').send({ type: 'json', schema: jsonSchema });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ station: 'checked', type: 'json', schema: jsonSchema });
    expect((await admin('get', 'checked')).body).toMatchObject({
      station: 'checked',
      type: 'json',
      schema: jsonSchema,
    });

    const bad = await produce('checked').set('Content-Type', 'application/json').send('{"field1": "a"}');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      success: false,
      error:
        "Schema validation has failed: message must have required property 'field2'; message must have required property 'field3'",
    });
    const good = await produce('checked')
      .set('Content-Type', 'application/json')
      .send('{"field1":"a","field2":1,"field3":2}');
    expect(good.body).toEqual({ error: null, success: true });

    expect((await admin('delete', 'checked')).status).toBe(204);
    expect((await admin('get', 'checked')).status).toBe(404);
    expect((await admin('delete', 'checked')).status).toBe(404);
    expect((await produce('checked').set('Content-Type', 'application/json').send('{}')).status).toBe(200);
  });

  it('a protobuf schema decodes and verifies bodies', async () => {
    const definition = 'syntax = "proto2";\nmessage Order { required int32 id = 1; optional string note = 2; }';
    expect((await admin('put', 'pb').send({ type: 'protobuf', definition, message: 'Order' })).status).toBe(200);
    const Order = protobuf.parse(definition).root.lookupType('Order');
    const ok = await produce('pb')
      .set('Content-Type', 'application/x-protobuf')
      .send(Buffer.from(Order.encode({ id: 3 }).finish()));
    expect(ok.body).toEqual({ error: null, success: true });
    const missing = await produce('pb')
      .set('Content-Type', 'application/x-protobuf')
      .send(Buffer.from([0x12, 0x01, 0x78]));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/^Schema validation has failed: .*missing required 'id'/);
    const json = await produce('pb').set('Content-Type', 'application/json').send('{"id":1}');
    expect(json.body.error).toMatch(/^Schema validation has failed: expected an application\/x-protobuf body/);
  });

  it('rejects schemas that do not compile (400), bad input, and requests without the API key', async () => {
    const bad = await admin('put', 'x').send({ type: 'json', schema: { type: 'nonsense' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_schema');
    const badProto = await admin('put', 'x').send({ type: 'protobuf', definition: 'message {', message: 'A' });
    expect(badProto.body.error.code).toBe('invalid_schema');
    expect((await admin('put', 'x').send({ type: 'xml' })).body.error.code).toBe('validation_error');
    expect((await admin('put', 'bad.name').send({ type: 'json', schema: {} })).status).toBe(400);
    const noKey = await request(h.app).put('/stations/x/schema').send({ type: 'json', schema: {} });
    expect(noKey.status).toBe(401);
    // A gateway JWT is not a management key.
    expect((await request(h.app).get('/stations/x/schema').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });
  it('refuses a pattern that can backtrack catastrophically, and keeps a safe one', async () => {
    const evil = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
    const refused = await admin('put', 'redos').send({ type: 'json', schema: evil });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_schema' });
    expect(refused.body.error.message).toMatch(/properties\.name\.pattern.*backtrack/);
    expect((await admin('get', 'redos')).status).toBe(404);
    const safe = { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z0-9_-]{3,16}$' } } };
    expect((await admin('put', 'redos').send({ type: 'json', schema: safe })).status).toBe(200);
    const ok = await produce('redos').set('Content-Type', 'application/json').send('{"name":"abc"}');
    expect(ok.body).toEqual({ error: null, success: true });
  });
});

describe('POST /stations/:station/produce/batch', () => {
  it('sends every valid item; a batch with invalid items is never success', async () => {
    await admin('put', 'batched').send({ type: 'json', schema: { type: 'object', required: ['n'] } });
    const read = await tapStation(h, 'batched');
    const all = await request(h.app)
      .post(`/stations/batched/produce/batch?authorization=${token}`)
      .send([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ success: true, error: null, sent: 3, fail: 0, errors: [] });

    const partly = await request(h.app)
      .post(`/stations/batched/produce/batch?authorization=${token}`)
      .send([{ n: 4 }, { x: 1 }, { n: 5 }]);
    expect(partly.status).toBe(400);
    expect(partly.body).toMatchObject({ success: false, sent: 2, fail: 1 });
    expect(partly.body.errors).toEqual([
      "message 1: Schema validation has failed: message must have required property 'n'",
    ]);
    const events = await read();
    expect(events.map((e) => e.envelope.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(events.every((e) => e.routingKey === 'station.batched')).toBe(true);
  });

  it('400 for a non-array, an empty or an oversized batch; 415 for non-JSON', async () => {
    const post = () => request(h.app).post(`/stations/b2/produce/batch?authorization=${token}`);
    expect((await post().send({ a: 1 })).body).toMatchObject({
      success: false,
      error: expect.stringContaining('JSON array'),
    });
    expect((await post().send([])).status).toBe(400);
    const big = await post().send(Array.from({ length: 1001 }, (_, i) => ({ i })));
    expect(big.status).toBe(400);
    expect(big.body.error).toMatch(/at most 1000/);
    const text = await post().set('Content-Type', 'text/plain').send('[1]');
    expect(text.status).toBe(415);
  });
});

describe('POST /stations/:station/consume/batch', () => {
  it('two consumer groups each get every message once, with the original body and headers', async () => {
    // A group receives messages published after its first use: make both groups first.
    for (const group of ['billing', 'audit'])
      expect((await consume('pulls', { consumer_name: group, batch_max_wait_time_ms: 0 })).body).toEqual([]);
    await produce('pulls').set('Content-Type', 'application/json').set('X-Source', 'test').send('{"n": 1}').expect(200);
    await produce('pulls').set('Content-Type', 'text/plain').send('two').expect(200);
    await produce('pulls')
      .set('Content-Type', 'application/x-protobuf')
      .send(Buffer.from([8, 3]))
      .expect(200);

    for (const group of ['billing', 'audit']) {
      const res = await consume('pulls', {
        consumer_name: `${group}-1`,
        consumer_group: group,
        batch_size: 10,
        batch_max_wait_time_ms: 1000,
      });
      expect(res.status).toBe(200);
      expect(res.body.map((m: { message: string }) => m.message)).toEqual(['{"n": 1}', 'two', 'CAM=']);
      expect(res.body[0].headers).toMatchObject({ 'x-source': 'test', 'content-type': 'application/json' });
      expect(res.body[0].headers).not.toHaveProperty('authorization');
      // Acked: a second pull finds nothing.
      expect((await consume('pulls', { consumer_name: group, batch_max_wait_time_ms: 100 })).body).toEqual([]);
    }
  });

  it('returns at most batch_size and leaves the rest for the next pull', async () => {
    await consume('paged', { consumer_name: 'g', batch_max_wait_time_ms: 0 });
    for (let i = 0; i < 5; i++)
      await produce('paged').set('Content-Type', 'application/json').send(`{"i":${i}}`).expect(200);
    const first = await consume('paged', { consumer_name: 'g', batch_size: 3, batch_max_wait_time_ms: 1000 });
    expect(first.body.map((m: { message: string }) => JSON.parse(m.message).i)).toEqual([0, 1, 2]);
    const second = await consume('paged', { consumer_name: 'g', batch_size: 3, batch_max_wait_time_ms: 300 });
    expect(second.body.map((m: { message: string }) => JSON.parse(m.message).i)).toEqual([3, 4]);
  });

  it('waits for messages published during the wait', async () => {
    await consume('waiting', { consumer_name: 'g', batch_max_wait_time_ms: 0 });
    const started = Date.now();
    const pending = consume('waiting', { consumer_name: 'g', batch_size: 1, batch_max_wait_time_ms: 5000 }).then(
      (r) => r,
    );
    // Published once the poll is consuming, so the message can only arrive during the wait.
    await waitFor(
      () =>
        h.broker.withChannel(async (ch) => (await ch.checkQueue(`${h.namespace}.station.waiting.g`)).consumerCount > 0),
      5000,
      'the long poll consuming',
    );
    await produce('waiting').set('Content-Type', 'text/plain').send('late').expect(200);
    const res = await pending;
    expect(res.body).toEqual([{ message: 'late', headers: expect.any(Object) }]);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('declares a durable queue per group with STATION_RETENTION as message TTL and length limits', async () => {
    await consume('ttl', { consumer_name: 'g', batch_max_wait_time_ms: 0 });
    // Re-declaring with the same arguments succeeds only if they are exactly these (else 406).
    const q = await h.broker.withChannel((ch) =>
      ch.assertQueue(`${h.namespace}.station.ttl.g`, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-message-ttl': h.config.STATION_RETENTION * 1000,
          'x-max-length': h.config.STATION_GROUP_MAX_MESSAGES,
          'x-max-length-bytes': h.config.STATION_GROUP_MAX_BYTES,
        },
      }),
    );
    expect(q.queue).toBe(`${h.namespace}.station.ttl.g`);
    await expect(
      h.broker.withChannel((ch) =>
        ch.assertQueue(`${h.namespace}.station.ttl.g`, {
          durable: true,
          arguments: { 'x-queue-type': 'classic', 'x-message-ttl': 1 },
        }),
      ),
    ).rejects.toThrow(/PRECONDITION_FAILED/);
  });

  it('400 in the Memphis shape for invalid requests', async () => {
    const cases: object[] = [
      {},
      { consumer_name: 'bad.name' },
      { consumer_name: 'g', batch_size: 1001 },
      { consumer_name: 'g', batch_size: 0 },
      { consumer_name: 'g', consumer_group: 'a b' },
    ];
    for (const body of cases) {
      const res = await consume('pulls', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: expect.any(String) });
    }
    const badJson = await request(h.app)
      .post(`/stations/pulls/consume/batch?authorization=${token}`)
      .set('Content-Type', 'application/json')
      .send('{');
    expect(badJson.status).toBe(400);
    expect(badJson.body.success).toBe(false);
    expect((await consume('Bad.Station', { consumer_name: 'g' })).status).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents every gateway route', async () => {
    const res = await request(h.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/auth/authenticate',
      '/auth/refreshToken',
      '/gateway/users',
      '/gateway/users/{username}',
      '/healthz',
      '/metrics',
      '/monitoring/status',
      '/readyz',
      '/stations/{station}/consume/batch',
      '/stations/{station}/produce/batch',
      '/stations/{station}/produce/single',
      '/stations/{station}/schema',
    ]);
  });
});

describe('a station event names a tenant with ?tenant= or the Hookline-Tenant header', () => {
  beforeAll(async () => {
    // The subscriptions app owns tenants; here the record is what it would have written.
    await h.db.collection('tenants').insertOne({ _id: 'acme' as never, name: 'Acme', tokenEpoch: 1 });
  });

  it('carries the tenant on the envelope (query or header), and none without one', async () => {
    const read = await tapStation(h, 'tenanted');
    const viaQuery = await request(h.app)
      .post(`/stations/tenanted/produce/single?authorization=${token}&tenant=acme`)
      .set('Content-Type', 'application/json')
      .send('{"n":1}');
    expect(viaQuery.status).toBe(200);
    const viaHeader = await produce('tenanted').set('Hookline-Tenant', 'acme').send({ n: 2 });
    expect(viaHeader.status).toBe(200);
    const batch = await request(h.app)
      .post(`/stations/tenanted/produce/batch?authorization=${token}&tenant=acme`)
      .set('Content-Type', 'application/json')
      .send([{ n: 3 }]);
    expect(batch.status).toBe(200);
    expect((await produce('tenanted').send({ n: 4 })).status).toBe(200);
    const events = await read();
    const tenants = events.map((e) => [(e.envelope.data as { n: number }).n, e.envelope.tenant]);
    expect(tenants.sort()).toEqual([
      [1, 'acme'],
      [2, 'acme'],
      [3, 'acme'],
      [4, undefined],
    ]);
  });

  it('refuses an unknown or malformed tenant in the Memphis error shape, publishing nothing', async () => {
    const read = await tapStation(h, 'tenanted-bad');
    const unknown = await produce('tenanted-bad').set('Hookline-Tenant', 'ghost').send({ n: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('unknown tenant ghost');
    const malformed = await request(h.app)
      .post(`/stations/tenanted-bad/produce/single?authorization=${token}&tenant=a%20b`)
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(malformed.status).toBe(400);
    expect(await read()).toHaveLength(0);
  });
});

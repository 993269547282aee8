import jwt from 'jsonwebtoken';
import request from 'supertest';
import { GatewayUsers } from '../src/users';
import { API_KEY, type Harness, JWT_SECRET, startHarness, USER } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('gwauth');
});
afterAll(async () => {
  await h.close();
});

const produce = (query = '') =>
  request(h.app).post(`/stations/orders/produce/single${query}`).type('json').send('{"a":1}');

describe('POST /auth/authenticate (bodies of Memphis clients, verbatim)', () => {
  it('cloud, account id in the body', async () => {
    const res = await request(h.app)
      .post('/auth/authenticate')
      .set('Content-Type', 'application/json')
      .send(`{
    "username": "CLIENT_TYPE_USERNAME",
    "password": "CLIENT_TYPE_PASSWORD",
    "account_id": 123456789,
    "token_expiry_in_minutes": 6000000000,
    "refresh_token_expiry_in_minutes": 100000
}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'expires_in',
      'jwt',
      'jwt_refresh_token',
      'refresh_token_expires_in',
    ]);
    // 6,000,000,000 minutes is capped at a day (MAX_TOKEN_EXPIRY_MINUTES), 100,000 at 30 days.
    expect(res.body.expires_in).toBe(24 * 60 * 60_000);
    expect(res.body.refresh_token_expires_in).toBe(30 * 24 * 60 * 60_000);
    const claims = jwt.verify(res.body.jwt, JWT_SECRET) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'CLIENT_TYPE_USERNAME', account_id: 123456789, typ: 'access' });
    expect(JSON.stringify(claims)).not.toContain('CLIENT_TYPE_PASSWORD');
    // The token works for at least a long time: in the header and in the query string.
    expect((await produce().set('Authorization', `Bearer ${res.body.jwt}`)).body).toEqual({
      error: null,
      success: true,
    });
    expect((await produce(`?authorization=${res.body.jwt}`)).body).toEqual({ error: null, success: true });
  });

  it('cloud, account id in the query string', async () => {
    const res = await request(h.app)
      .post('/auth/authenticate?accountId=123456789')
      .set('Content-Type', 'application/json')
      .send(`{
    "username": "CLIENT_TYPE_USERNAME",
    "password": "CLIENT_TYPE_PASSWORD",
    "token_expiry_in_minutes": 6000000000,
    "refresh_token_expiry_in_minutes": 100000
}`);
    expect(res.status).toBe(200);
    expect(jwt.decode(res.body.jwt)).toMatchObject({ sub: 'CLIENT_TYPE_USERNAME', account_id: 123456789 });
    const twice = await request(h.app)
      .post('/auth/authenticate?accountId=1&accountId=2')
      .set('Content-Type', 'application/json')
      .send({ username: 'CLIENT_TYPE_USERNAME', password: 'CLIENT_TYPE_PASSWORD' });
    expect(twice.status).toBe(400);
    expect(twice.body).toEqual({
      message: [{ field: 'accountId', reason: 'give accountId at most once, as a plain value' }],
    });
  });

  it('open-source: the seed body lacks a closing quote, so it is a 400 in the Memphis shape', async () => {
    const res = await request(h.app)
      .post('/auth/authenticate')
      .set('Content-Type', 'application/json')
      .send(`{
    "username": "CLIENT_TYPE_USERNAME",
    "password": "CLIENT_TYPE_PASSWORD,
    "token_expiry_in_minutes": 6000000000,
    "refresh_token_expiry_in_minutes": 100000
}`);
    expect(res.status).toBe(400);
    expect(res.body.message[0]).toMatchObject({ field: 'body' });
    // With the quote fixed it works and the expiries are milliseconds.
    const fixed = await request(h.app)
      .post('/auth/authenticate')
      .set('Content-Type', 'application/json')
      .send({ ...USER, token_expiry_in_minutes: 60 });
    expect(fixed.status).toBe(200);
    expect(fixed.body.expires_in).toBe(3_600_000);
  });

  it('defaults to 15 and 300 minutes', async () => {
    const res = await request(h.app).post('/auth/authenticate').send(USER);
    expect(res.body.expires_in).toBe(15 * 60_000);
    expect(res.body.refresh_token_expires_in).toBe(300 * 60_000);
    const { exp, iat } = jwt.decode(res.body.jwt) as { exp: number; iat: number };
    expect(exp - iat).toBe(900);
  });

  it('401 Unauthorized for a wrong password or an unknown user', async () => {
    for (const body of [
      { ...USER, password: 'wrong-password' },
      { username: 'nobody', password: 'whatever1' },
    ]) {
      const res = await request(h.app).post('/auth/authenticate').send(body);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('400 with {message: [{field, reason}]} for an invalid body', async () => {
    const res = await request(h.app).post('/auth/authenticate').send({ username: 'x', token_expiry_in_minutes: -1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'password' }),
        expect.objectContaining({ field: 'token_expiry_in_minutes' }),
      ]),
    );
  });
});

describe('POST /auth/refreshToken', () => {
  it('exchanges a refresh token for new tokens that work', async () => {
    const first = await request(h.app)
      .post('/auth/authenticate')
      .send({ ...USER, account_id: 42 });
    const res = await request(h.app)
      .post('/auth/refreshToken')
      .send({ jwt_refresh_token: first.body.jwt_refresh_token, token_expiry_in_minutes: 30 });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(30 * 60_000);
    expect(jwt.decode(res.body.jwt)).toMatchObject({ sub: USER.username, account_id: 42, typ: 'access' });
    expect((await produce().set('Authorization', `Bearer ${res.body.jwt}`)).status).toBe(200);
  });

  it('401 for an access token, an expired or a garbage refresh token; 400 without one', async () => {
    const first = await request(h.app).post('/auth/authenticate').send(USER);
    const expired = jwt.sign(
      { sub: USER.username, typ: 'refresh', exp: Math.floor(Date.now() / 1000) - 5 },
      'b'.repeat(40),
    );
    for (const token of [first.body.jwt, expired, 'garbage']) {
      const res = await request(h.app).post('/auth/refreshToken').send({ jwt_refresh_token: token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthorized' });
    }
    const missing = await request(h.app).post('/auth/refreshToken').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.message[0].field).toBe('jwt_refresh_token');
  });

  it('a refresh token is never accepted as an access token', async () => {
    const first = await request(h.app).post('/auth/authenticate').send(USER);
    const res = await produce().set('Authorization', `Bearer ${first.body.jwt_refresh_token}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Unauthorized' });
  });
});

describe('token checks on station routes', () => {
  it('401 without a token, with an expired one, a forged one or the seed placeholder', async () => {
    const expired = jwt.sign({ sub: USER.username, typ: 'access', exp: Math.floor(Date.now() / 1000) - 1 }, JWT_SECRET);
    const forged = jwt.sign({ sub: USER.username, typ: 'access' }, 'z'.repeat(40));
    for (const req of [
      produce(),
      produce().set('Authorization', `Bearer ${expired}`),
      produce(`?authorization=${expired}`),
      produce().set('Authorization', `Bearer ${forged}`),
      produce('?authorization=eyJhbGciOiJIU**********.e30.4KOLKsvHo33u3UdJ0qYP0kI'),
      request(h.app).post('/stations/orders/consume/batch').send({ consumer_name: 'c' }),
      request(h.app).post('/stations/orders/produce/batch').send([]),
    ]) {
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthorized' });
    }
  });
});

describe('GET /monitoring/status', () => {
  it('is open', async () => {
    const res = await request(h.app).get('/monitoring/status');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('POST /gateway/users', () => {
  const admin = () => request(h.app).post('/gateway/users').set('Authorization', `Bearer ${API_KEY}`);

  it('creates a user who can then authenticate; 409 on a duplicate', async () => {
    const created = await admin().send({ username: 'stripe', password: 'sk-password-1' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ username: 'stripe', created_at: expect.any(String) });
    expect(JSON.stringify(created.body)).not.toContain('sk-password-1');
    const auth = await request(h.app)
      .post('/auth/authenticate')
      .send({ username: 'stripe', password: 'sk-password-1' });
    expect(auth.status).toBe(200);
    const dup = await admin().send({ username: 'stripe', password: 'another-pass' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
  });

  it('stores a scrypt hash, never the password', async () => {
    await admin().send({ username: 'hashcheck', password: 'plain-text-pw' });
    const doc = await h.db.collection('gateway_users').findOne({ username: 'hashcheck' });
    expect(doc?.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(doc)).not.toContain('plain-text-pw');
  });

  it('400 in the project shape for invalid input, 401 without the API key', async () => {
    const bad = await admin().send({ username: 'has space', password: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_error');
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['password', 'username']);
    const noKey = await request(h.app).post('/gateway/users').send({ username: 'x', password: '12345678' });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('unauthorized');
  });
});

describe('GATEWAY_USERS seeding', () => {
  it('the seeded user exists, and a changed password in the variable replaces the stored one', async () => {
    const users = new GatewayUsers(h.db);
    expect(await users.verify(USER.username, USER.password)).toBe(true);
    expect(await users.seed([{ username: USER.username, password: USER.password }])).toEqual({
      created: 0,
      updated: 0,
    });
    expect(await users.seed([{ username: 'seeded', password: 'first-pass' }])).toEqual({ created: 1, updated: 0 });
    expect(await users.seed([{ username: 'seeded', password: 'second-pass' }])).toEqual({ created: 0, updated: 1 });
    expect(await users.verify('seeded', 'first-pass')).toBe(false);
    expect(await users.verify('seeded', 'second-pass')).toBe(true);
  });
});

import request from 'supertest';
import { API_KEY, type Harness, startHarness, USER } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('gwharden', {
    MAX_GROUPS_PER_STATION: '2',
    STATION_GROUP_MAX_MESSAGES: '3',
    MAX_LONG_POLLS_PER_USER: '1',
  });
});
afterAll(async () => {
  await h?.close();
});

const login = async (user = USER, extra: object = {}) =>
  (
    await request(h.app)
      .post('/auth/authenticate')
      .send({ ...user, ...extra })
  ).body as {
    jwt: string;
    jwt_refresh_token: string;
    expires_in: number;
    refresh_token_expires_in: number;
  };
const produce = (station: string, jwt: string, body = '{"a":1}') =>
  request(h.app).post(`/stations/${station}/produce/single?authorization=${jwt}`).type('json').send(body);
const consume = (station: string, jwt: string, body: object) =>
  request(h.app).post(`/stations/${station}/consume/batch?authorization=${jwt}`).send(body);
const admin = (method: 'put' | 'delete' | 'post', path: string) =>
  request(h.app)[method](path).set('Authorization', `Bearer ${API_KEY}`).set('Content-Type', 'application/json');

describe('gateway tokens behave like tokens', () => {
  it('caps the expiry: one day for access tokens, 30 days for refresh tokens', async () => {
    const t = await login(USER, { token_expiry_in_minutes: 6_000_000_000, refresh_token_expiry_in_minutes: 1e9 });
    expect(t.expires_in).toBe(24 * 60 * 60_000);
    expect(t.refresh_token_expires_in).toBe(30 * 24 * 60 * 60_000);
  });

  it('a refresh token is used once: the second use is refused', async () => {
    const t = await login();
    const first = await request(h.app).post('/auth/refreshToken').send({ jwt_refresh_token: t.jwt_refresh_token });
    expect(first.status).toBe(200);
    const again = await request(h.app).post('/auth/refreshToken').send({ jwt_refresh_token: t.jwt_refresh_token });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ message: 'Unauthorized' });
    // The rotated one works, once.
    const next = await request(h.app)
      .post('/auth/refreshToken')
      .send({ jwt_refresh_token: first.body.jwt_refresh_token });
    expect(next.status).toBe(200);
  });

  it("a password change and a user's deletion invalidate that user's tokens", async () => {
    const user = { username: 'rotating', password: 'first-password-1' };
    expect((await admin('post', '/gateway/users').send(user)).status).toBe(201);
    const before = await login(user);
    expect((await produce('tok', before.jwt)).status).toBe(200);
    const changed = await admin('put', '/gateway/users/rotating').send({ password: 'second-password-2' });
    expect(changed.status).toBe(200);
    expect((await produce('tok', before.jwt)).status).toBe(401);
    const refreshed = await request(h.app)
      .post('/auth/refreshToken')
      .send({ jwt_refresh_token: before.jwt_refresh_token });
    expect(refreshed.status).toBe(401);
    const after = await login({ ...user, password: 'second-password-2' });
    expect((await produce('tok', after.jwt)).status).toBe(200);
    expect((await admin('delete', '/gateway/users/rotating')).status).toBe(204);
    expect((await produce('tok', after.jwt)).status).toBe(401);
    expect((await admin('delete', '/gateway/users/rotating')).status).toBe(404);
  });
});

describe('the gateway cannot be used to exhaust the broker', () => {
  it('limits consumer groups per station (MAX_GROUPS_PER_STATION), in the Memphis shape', async () => {
    const { jwt } = await login();
    const pull = { batch_max_wait_time_ms: 100 };
    expect((await consume('groups', jwt, { ...pull, consumer_name: 'g1' })).status).toBe(200);
    expect((await consume('groups', jwt, { ...pull, consumer_name: 'g2' })).status).toBe(200);
    const third = await consume('groups', jwt, { ...pull, consumer_name: 'g3' });
    expect(third.status).toBe(429);
    expect(third.body).toEqual({ success: false, error: expect.stringMatching(/consumer groups/) });
    // Existing groups keep working.
    expect((await consume('groups', jwt, { ...pull, consumer_name: 'g1' })).status).toBe(200);
  });

  it('bounds a group queue (x-max-length): a group that falls behind keeps the newest messages', async () => {
    const { jwt } = await login();
    expect((await consume('bounded', jwt, { consumer_name: 'slow', batch_max_wait_time_ms: 100 })).status).toBe(200);
    for (let i = 1; i <= 5; i++) expect((await produce('bounded', jwt, `{"n":${i}}`)).status).toBe(200);
    const got = await consume('bounded', jwt, { consumer_name: 'slow', batch_size: 10, batch_max_wait_time_ms: 500 });
    expect(got.body.map((m: { message: string }) => JSON.parse(m.message).n)).toEqual([3, 4, 5]);
  });

  it('caps concurrent long polls per user', async () => {
    const { jwt } = await login();
    const long = consume('polls', jwt, { consumer_name: 'p', batch_max_wait_time_ms: 1500 }).then((r) => r);
    // Poll until the first pull is in (it registers before it waits).
    let second = await consume('polls', jwt, { consumer_name: 'p', batch_max_wait_time_ms: 100 });
    for (let i = 0; i < 20 && second.status === 200; i++) {
      second = await consume('polls', jwt, { consumer_name: 'p', batch_max_wait_time_ms: 100 });
    }
    expect(second.status).toBe(429);
    expect(second.body).toEqual({ success: false, error: expect.stringMatching(/long polls/) });
    expect((await long).status).toBe(200);
    expect((await consume('polls', jwt, { consumer_name: 'p', batch_max_wait_time_ms: 100 })).status).toBe(200);
  });
});

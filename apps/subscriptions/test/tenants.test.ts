import { signTenantToken } from '@hookline/http';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { type Harness, startHarness, TEST_TENANT_TOKEN_SECRET } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('tenants', { MAX_SUBSCRIPTIONS_PER_TENANT: '3', PUBLIC_URL: 'https://hooks.example.com/' });
});
afterAll(async () => {
  await h.close();
});

let n = 0;
const uniqueId = (label: string) => `${label}-${Date.now()}-${n++}`;
async function tenant(id = uniqueId('t')) {
  const res = await request(h.app)
    .post('/tenants')
    .send({ id, name: `Tenant ${id}` });
  expect(res.status).toBe(201);
  return id;
}
async function subscribe(tenantId: string, body: object = {}) {
  const res = await request(h.app)
    .post('/subscription')
    .send({ tenant: tenantId, url: 'https://example.com/hook', eventTypes: ['LIKED_PHOTO'], ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; tenant: string; secret: string };
}
async function mint(tenantId: string, body: object = {}) {
  const res = await request(h.app).post(`/tenants/${tenantId}/portal`).send(body);
  expect(res.status).toBe(201);
  return res.body as { token: string; url: string; expiresAt: string };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('tenants CRUD', () => {
  it('creates with the caller’s id or a generated one, 409 on a duplicate id', async () => {
    const id = uniqueId('acme');
    const created = await request(h.app)
      .post('/tenants')
      .send({ id, name: 'Acme', metadata: { plan: 'pro' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, name: 'Acme', metadata: { plan: 'pro' } });
    expect(typeof created.body.createdAt).toBe('string');
    const again = await request(h.app).post('/tenants').send({ id, name: 'Other' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    const generated = await request(h.app).post('/tenants').send({ name: 'No id' });
    expect(generated.status).toBe(201);
    expect(generated.body.id).toMatch(/^ten_[0-9A-Z]{26}$/);
  });

  it('refuses bad ids and names with the field named', async () => {
    const res = await request(h.app).post('/tenants').send({ id: 'has space', name: '' });
    expect(res.status).toBe(400);
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['id', 'name']);
    expect((await request(h.app).get('/tenants/has%20space')).status).toBe(400);
  });

  it('reads, patches, lists with a cursor, and always has default', async () => {
    const id = await tenant();
    const patched = await request(h.app)
      .patch(`/tenants/${id}`)
      .send({ name: 'Renamed', metadata: { a: 'b' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, name: 'Renamed', metadata: { a: 'b' } });
    expect((await request(h.app).get(`/tenants/${id}`)).body.name).toBe('Renamed');
    expect((await request(h.app).get('/tenants/default')).status).toBe(200);
    expect((await request(h.app).get('/tenants/nope-nope')).status).toBe(404);
    expect((await request(h.app).patch('/tenants/nope-nope').send({ name: 'x' })).status).toBe(404);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(h.app)
        .get('/tenants')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toContain('default');
    expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('cannot delete default; deleting a tenant removes its subscriptions (change feed too)', async () => {
    const del = await request(h.app).delete('/tenants/default');
    expect(del.status).toBe(409);
    const id = await tenant();
    const sub = await subscribe(id);
    const other = await subscribe('default');
    expect((await request(h.app).delete(`/tenants/${id}`)).status).toBe(204);
    expect((await request(h.app).get(`/tenants/${id}`)).status).toBe(404);
    expect((await request(h.app).get(`/subscription/${sub.id}`)).status).toBe(404);
    expect((await request(h.app).get(`/subscription/${other.id}`)).status).toBe(200);
    await waitFor(() => h.changes.some((c) => c.op === 'delete' && c.subscription.id === sub.id));
    expect((await request(h.app).delete(`/tenants/${id}`)).status).toBe(404);
  });
});

describe('subscriptions belong to a tenant', () => {
  it('defaults to default, shows the tenant, filters by it, and carries it on the change feed', async () => {
    const plain = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/x', eventTypes: ['LIKED_PHOTO'] });
    expect(plain.body.tenant).toBe('default');
    const id = await tenant();
    const sub = await subscribe(id);
    expect(sub.tenant).toBe(id);
    expect((await request(h.app).get(`/subscription/${sub.id}`)).body.tenant).toBe(id);
    const list = await request(h.app).get('/subscription').query({ tenant: id });
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    await waitFor(() =>
      h.changes.some((c) => c.op === 'upsert' && c.subscription.id === sub.id && c.subscription.tenant === id),
    );
    const snapshot = await request(h.app).get('/subscription/snapshot');
    const line = snapshot.text.split('\n').find((l) => l.includes(sub.id));
    expect(JSON.parse(line ?? '{}').tenant).toBe(id);
  });

  it('an unknown tenant is a 422 naming it', async () => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ tenant: 'ghost-tenant', url: 'https://example.com/x', eventTypes: ['LIKED_PHOTO'] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unknown_tenant');
    expect(res.body.error.message).toContain('ghost-tenant');
    expect(res.body.error.details[0].field).toBe('tenant');
  });

  it('MAX_SUBSCRIPTIONS_PER_TENANT: over it a create is a 422 that says so, even when concurrent', async () => {
    const id = await tenant();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(h.app)
          .post('/subscription')
          .send({ tenant: id, url: 'https://example.com/x', eventTypes: ['LIKED_PHOTO'] }),
      ),
    );
    const refused = results.filter((r) => r.status === 422);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]?.body.error.code).toBe('limit_exceeded');
    expect(refused[0]?.body.error.message).toContain('3');
    const list = await request(h.app).get('/subscription').query({ tenant: id });
    expect(list.body.data.length).toBeLessThanOrEqual(3);
    expect(list.body.data.length).toBe(results.length - refused.length);
  });

  it('the seed routes work on default', async () => {
    const res = await request(h.app)
      .post('/webhook')
      .send({ url: 'https://example.com/seed-tenant', event: 'user_registered' });
    expect(res.status).toBe(201);
    const list = await request(h.app).get('/subscription').query({ url: 'https://example.com/seed-tenant' });
    expect(list.body.data[0].tenant).toBe('default');
  });
});

describe('tenant tokens', () => {
  let a: string;
  let b: string;
  let tokenA: string;
  let subA: { id: string };
  let subB: { id: string };
  beforeAll(async () => {
    a = await tenant(uniqueId('a'));
    b = await tenant(uniqueId('b'));
    subA = await subscribe(a);
    subB = await subscribe(b);
    tokenA = (await mint(a)).token;
  });

  it('mints a token with a portal url and an expiry (default 60 minutes, at most 30 days)', async () => {
    const minted = await mint(a);
    expect(minted.token).toMatch(/^hlt_/);
    expect(minted.url).toBe(`https://hooks.example.com/portal#token=${minted.token}`);
    const minutes = (Date.parse(minted.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);
    const tooLong = await request(h.app)
      .post(`/tenants/${a}/portal`)
      .send({ expiresInMinutes: 30 * 24 * 60 + 1 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0].field).toBe('expiresInMinutes');
    expect((await request(h.app).post('/tenants/nope-nope/portal').send({})).status).toBe(404);
  });

  it("answers 404 for every route on another tenant's subscription", async () => {
    const routes: Array<[string, string, object | undefined]> = [
      ['get', `/subscription/${subB.id}`, undefined],
      ['put', `/subscription/${subB.id}`, { url: 'https://example.com/y', eventTypes: ['LIKED_PHOTO'] }],
      ['patch', `/subscription/${subB.id}`, { enabled: false }],
      ['get', `/subscription/${subB.id}/secret`, undefined],
      ['post', `/subscription/${subB.id}/secret/rotate`, {}],
      ['delete', `/subscription/${subB.id}`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const req = (request(h.app) as unknown as Record<string, (p: string) => request.Test>)[method]?.(path);
      const res = await (body ? req?.send(body) : req)?.set(bearer(tokenA));
      expect([method, path, res?.status]).toEqual([method, path, 404]);
      expect(res?.body.error.code).toBe('not_found');
    }
    // B's subscription is untouched, and the same routes work on A's own.
    const still = await request(h.app).get(`/subscription/${subB.id}`);
    expect(still.body).toMatchObject({ enabled: true, url: 'https://example.com/hook' });
    expect((await request(h.app).get(`/subscription/${subA.id}`).set(bearer(tokenA))).status).toBe(200);
    expect((await request(h.app).get(`/subscription/${subA.id}/secret`).set(bearer(tokenA))).status).toBe(200);
    const patched = await request(h.app)
      .patch(`/subscription/${subA.id}`)
      .set(bearer(tokenA))
      .send({ description: 'x' });
    expect(patched.status).toBe(200);
  });

  it("lists only the token's tenant, and refuses a filter naming another", async () => {
    const list = await request(h.app).get('/subscription').set(bearer(tokenA));
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    expect(list.body.data.every((s: { tenant: string }) => s.tenant === a)).toBe(true);
    const other = await request(h.app).get('/subscription').query({ tenant: b }).set(bearer(tokenA));
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain(b);
  });

  it("places creates in the token's tenant; naming another tenant is a 403", async () => {
    const created = await request(h.app)
      .post('/subscription')
      .set(bearer(tokenA))
      .send({ url: 'https://example.com/z', eventTypes: ['LIKED_PHOTO'] });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe(a);
    const named = await request(h.app)
      .post('/subscription')
      .set(bearer(tokenA))
      .send({ tenant: b, url: 'https://example.com/z', eventTypes: ['LIKED_PHOTO'] });
    expect(named.status).toBe(403);
    expect(named.body.error.message).toContain(b);
    await request(h.app).delete(`/subscription/${created.body.id}`).set(bearer(tokenA)).expect(204);
  });

  it('reads the event catalog, which every tenant shares', async () => {
    const list = await request(h.app).get('/event-types').set(bearer(tokenA));
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { type: string }) => t.type)).toContain('LIKED_PHOTO');
    expect((await request(h.app).get('/event-types/LIKED_PHOTO').set(bearer(tokenA))).status).toBe(200);
  });

  it('never reaches management-only routes: 403', async () => {
    const routes: Array<[string, string]> = [
      ['get', '/tenants'],
      ['get', `/tenants/${a}`],
      ['post', '/tenants'],
      ['post', `/tenants/${a}/portal`],
      ['post', `/tenants/${a}/portal/revoke`],
      ['get', '/subscription/snapshot'],
      ['get', '/webhooks'],
      ['post', '/webhook'],
      ['post', '/ping'],
      ['put', '/event-types/order.paid'],
      ['delete', '/event-types/order.paid'],
    ];
    for (const [method, path] of routes) {
      const req = (request(h.app) as unknown as Record<string, (p: string) => request.Test>)[method]?.(path);
      const res = await req?.set(bearer(tokenA));
      expect([method, path, res?.status]).toEqual([method, path, 403]);
    }
  });

  it('expired, revoked, malformed and wrongly signed tokens are a 401 in the one error shape', async () => {
    const doc = await h.db.collection('tenants').findOne<{ tokenEpoch: number }>({ _id: a as never });
    const epoch = doc?.tokenEpoch ?? 0;
    const past = Date.now() - 120_000;
    const expired = signTenantToken(TEST_TENANT_TOKEN_SECRET, { tenant: a, epoch, iat: past, exp: past + 60_000 });
    const wrongKey = signTenantToken('another-secret-another-secret-another', {
      tenant: a,
      epoch,
      iat: Date.now(),
      exp: Date.now() + 60_000,
    });
    const forged = `${tokenA.slice(0, -4)}AAAA`;
    for (const [what, token] of [
      ['expired', expired],
      ['wrong key', wrongKey],
      ['forged', forged],
      ['malformed', 'hlt_not-a-token'],
    ] as const) {
      const res = await request(h.app).get('/subscription').set(bearer(token));
      expect([what, res.status]).toEqual([what, 401]);
      expect(res.body).toEqual({ error: { code: 'invalid_token', message: expect.any(String) } });
      expect(res.body.error.message).not.toContain(token);
    }

    const fresh = (await mint(b)).token;
    expect((await request(h.app).get('/subscription').set(bearer(fresh))).status).toBe(200);
    expect((await request(h.app).post(`/tenants/${b}/portal/revoke`).send({})).status).toBe(204);
    const revoked = await request(h.app).get('/subscription').set(bearer(fresh));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toContain('revoked');
    // A token minted after the revocation works.
    expect(
      (
        await request(h.app)
          .get('/subscription')
          .set(bearer((await mint(b)).token))
      ).status,
    ).toBe(200);
    // A's tokens are unaffected by B's revocation.
    expect((await request(h.app).get('/subscription').set(bearer(tokenA))).status).toBe(200);
  });

  it("a deleted tenant's tokens stop working, also when the id is created again", async () => {
    const id = await tenant();
    const token = (await mint(id)).token;
    await request(h.app).delete(`/tenants/${id}`).expect(204);
    expect((await request(h.app).get('/subscription').set(bearer(token))).status).toBe(401);
    await tenant(id);
    expect((await request(h.app).get('/subscription').set(bearer(token))).status).toBe(401);
  });
});

describe('the portal: GET /tenant and branding in tenant metadata', () => {
  it("answers a token's own tenant and branding, never its other metadata", async () => {
    const id = uniqueId('brand');
    await request(h.app)
      .post('/tenants')
      .send({
        id,
        name: 'Brand Co',
        metadata: { portalName: 'Brand hooks', portalLogoUrl: 'https://brand.example/logo.svg', plan: 'secret-plan' },
      })
      .expect(201);
    const other = await tenant();
    const res = await request(h.app)
      .get('/tenant')
      .set(bearer((await mint(id)).token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tenant: { id, name: 'Brand Co' },
      branding: { name: 'Brand hooks', logoUrl: 'https://brand.example/logo.svg' },
    });
    expect(JSON.stringify(res.body)).not.toContain('secret-plan');
    const plain = await request(h.app)
      .get('/tenant')
      .set(bearer((await mint(other)).token));
    expect(plain.body).toEqual({ tenant: { id: other, name: `Tenant ${other}` }, branding: {} });
  });

  it('a management key has no one tenant: 400 that says where to look', async () => {
    const res = await request(h.app).get('/tenant');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('not_a_tenant_token');
  });

  it('refuses bad branding values with the metadata key named, on create and on patch', async () => {
    const created = await request(h.app)
      .post('/tenants')
      .send({
        name: 'Bad',
        metadata: { portalAccent: 'red; background: url(x)', portalLogoUrl: 'javascript:alert(1)' },
      });
    expect(created.status).toBe(400);
    const fields = (created.body.error.details as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['metadata.portalAccent', 'metadata.portalLogoUrl']);
    const id = await tenant();
    const patched = await request(h.app)
      .patch(`/tenants/${id}`)
      .send({ metadata: { portalName: '' } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details[0].field).toBe('metadata.portalName');
    await request(h.app)
      .patch(`/tenants/${id}`)
      .send({ metadata: { portalAccent: '#0a7' } })
      .expect(200);
  });
});

describe('OpenAPI', () => {
  it('documents tenants, the tenant token scheme, and 401/403/404 on tenant-scoped routes', async () => {
    const doc = (await request(h.app).get('/openapi.json')).body;
    expect(doc.components.securitySchemes).toHaveProperty('tenantToken');
    for (const path of ['/tenants', '/tenants/{id}', '/tenants/{id}/portal', '/tenants/{id}/portal/revoke'])
      expect(doc.paths).toHaveProperty([path]);
    for (const [path, method] of [
      ['/subscription', 'get'],
      ['/subscription', 'post'],
      ['/subscription/{id}', 'get'],
      ['/subscription/{id}', 'patch'],
      ['/subscription/{id}', 'delete'],
      ['/subscription/{id}/secret', 'get'],
      ['/subscription/{id}/test', 'post'],
    ] as const) {
      const op = doc.paths[path][method];
      expect([path, method, op.security]).toEqual([path, method, [{ apiKey: [] }, { tenantToken: [] }]]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '404']));
    }
    expect(doc.paths['/tenants'].get.security).toEqual([{ apiKey: [] }]);
  });
});

import { assembleApp, OpenAPIRegistry, projectAccess, signTenantToken } from '@hookline/http';
import { TENANTS_COLLECTION, tenantTokenVerifier } from '@hookline/runtime';
import { Router } from 'express';
import request from 'supertest';
import { deliveryRoutes } from '../src/routes/deliveries';
import { Harness, logger } from './support/harness';

const SECRET = 'tenant-reuse-test-secret-of-at-least-32-characters';
const TENANT = 'reused-id';

/**
 * A tenant deleted and created again under the same id (a SaaS reusing a customer id, or handing it
 * to another customer) gets a new token epoch, so old tokens die; its records must start over too:
 * the deleted tenant's deliveries stay until retention, and the new tenant's token must not read them.
 */
describe("a tenant created again under a deleted one's id", () => {
  const h = new Harness([200]);
  let app: ReturnType<typeof assembleApp>;
  const oldDelivery = 'msg_left_by_the_deleted_tenant';
  const newDelivery = 'msg_of_the_new_tenant';
  let token: string;

  beforeAll(async () => {
    await h.start();
    const router = Router();
    const tenantTokens = tenantTokenVerifier(
      { TENANT_TOKEN_SECRET: SECRET, NODE_ENV: 'test', DATA_DIR: '/nonexistent' },
      h.db,
    );
    deliveryRoutes({
      router,
      openapi: new OpenAPIRegistry(),
      access: projectAccess({ apiKeys: ['management-key'], tenantTokens }),
      models: h.models,
      requeuer: h.requeuer,
      subscriptionTenant: () => TENANT,
    });
    app = assembleApp({ modules: [{ router }], logger, title: 't' });

    const recreatedAt = new Date();
    const before = new Date(recreatedAt.getTime() - 60_000);
    const delivery = (id: string, at: Date) => ({
      _id: id,
      eventId: `evt_${id}`,
      eventType: 'order.created',
      subscriptionId: 'sub_01M8GXBTVSK32YN9EVQK4X52AS',
      tenant: TENANT,
      status: 'failed',
      event: { id: `evt_${id}`, type: 'order.created', data: { card: 'the old customer' } },
      createdAt: at,
      updatedAt: at,
    });
    await h.models.Delivery.insertMany([delivery(oldDelivery, before), delivery(newDelivery, new Date())]);
    // The tenant record as POST /tenants writes it: the epoch starts at its creation.
    const epoch = recreatedAt.getTime();
    await h.db
      .collection(TENANTS_COLLECTION)
      .insertOne({ _id: TENANT as never, name: 'new customer', tokenEpoch: epoch, createdAt: recreatedAt });
    token = signTenantToken(SECRET, { tenant: TENANT, epoch, iat: Date.now(), exp: Date.now() + 60_000 });
  });
  afterAll(async () => {
    await h.stop();
  });

  const asTenant = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);

  it("lists, reads and replays only the new tenant's deliveries; the old ones answer as unknown ids", async () => {
    const list = await asTenant(request(app).get('/deliveries'));
    expect(list.status).toBe(200);
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([newDelivery]);
    const old = await asTenant(request(app).get(`/deliveries/${oldDelivery}`));
    expect(old.status).toBe(404);
    expect(old.text).not.toContain('the old customer');
    expect((await asTenant(request(app).post(`/deliveries/${oldDelivery}/replay`))).status).toBe(404);
    expect((await asTenant(request(app).get(`/deliveries/${newDelivery}`))).status).toBe(200);
  });

  it('management still sees both', async () => {
    const list = await request(app).get(`/deliveries?tenant=${TENANT}`).set('Authorization', 'Bearer management-key');
    expect(list.body.data.map((d: { id: string }) => d.id).sort()).toEqual([newDelivery, oldDelivery].sort());
  });
});

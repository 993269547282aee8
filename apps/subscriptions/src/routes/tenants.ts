import { DEFAULT_TENANT } from '@hookline/contracts';
import { defineRoute, HttpError, signTenantToken, tenantScope } from '@hookline/http';
import type { AppContext } from '../context';
import { portalBranding } from '../portal-branding';
import {
  createTenantBody,
  patchTenantBody,
  portalBody,
  portalSessionSchema,
  portalTokenSchema,
  TOKEN_MINUTES_DEFAULT,
  tenantIdParams,
  tenantListQuery,
  tenantPageSchema,
  tenantSchema,
} from '../tenant-schemas';
import { toTenantView } from '../tenant-store';

const tags = ['tenants'];
const notFound = (id: string) => new HttpError(404, 'not_found', `tenant ${id} does not exist`);

/** `/tenants`: management-only (a tenant token is a 403 on every one of these); `/tenant`: a token's own. */
export function registerTenantRoutes(ctx: AppContext): void {
  const { tenants, store, feed } = ctx;

  defineRoute(ctx, {
    method: 'get',
    path: '/tenant',
    summary: 'The tenant a tenant token acts for: its id, name and portal branding (what the portal shows)',
    tags,
    access: ctx.access.tenant,
    responses: {
      200: { description: 'the token’s tenant; never its other metadata', schema: portalSessionSchema },
      400: { description: 'not a tenant token: management access acts for every tenant (GET /tenants/:id)' },
    },
    async handler(_input, req, res) {
      const scope = tenantScope(req);
      if (scope === undefined)
        throw new HttpError(
          400,
          'not_a_tenant_token',
          'GET /tenant answers for the tenant of a tenant token; with a management key read GET /tenants/:id',
        );
      // Auth has just read the record; a delete in between answers like an unknown tenant.
      const doc = await tenants.get(scope);
      if (!doc) throw notFound(scope);
      res.json({ tenant: { id: doc._id, name: doc.name }, branding: portalBranding(doc.metadata) });
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant (your own id, or a generated ten_<ULID>)',
    tags,
    body: createTenantBody,
    responses: {
      201: { description: 'created', schema: tenantSchema },
      409: { description: 'a tenant with this id exists' },
    },
    async handler({ body }, _req, res) {
      const doc = await tenants.create(body);
      if (!doc) throw new HttpError(409, 'conflict', `tenant ${body.id} already exists`);
      res.status(201).json(toTenantView(doc));
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'get',
    path: '/tenants',
    summary: 'List tenants (by id, cursor pagination)',
    tags,
    query: tenantListQuery,
    responses: { 200: { description: 'one page', schema: tenantPageSchema } },
    async handler({ query }, _req, res) {
      const page = await tenants.list(query);
      res.json({ data: page.data.map(toTenantView), next_cursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'get',
    path: '/tenants/:id',
    summary: 'One tenant',
    tags,
    params: tenantIdParams,
    responses: { 200: { description: 'found', schema: tenantSchema }, 404: { description: 'unknown tenant' } },
    async handler({ params }, _req, res) {
      const doc = await tenants.get(params.id);
      if (!doc) throw notFound(params.id);
      res.json(toTenantView(doc));
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'patch',
    path: '/tenants/:id',
    summary: 'Change a tenant’s name or metadata',
    tags,
    params: tenantIdParams,
    body: patchTenantBody,
    responses: { 200: { description: 'changed', schema: tenantSchema }, 404: { description: 'unknown tenant' } },
    async handler({ params, body }, _req, res) {
      const doc = await tenants.update(params.id, body);
      if (!doc) throw notFound(params.id);
      res.json(toTenantView(doc));
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'delete',
    path: '/tenants/:id',
    summary: 'Delete a tenant and its subscriptions (its deliveries stay until retention; never `default`)',
    tags,
    params: tenantIdParams,
    responses: {
      204: { description: 'deleted' },
      404: { description: 'unknown tenant' },
      409: { description: '`default` cannot be deleted' },
    },
    async handler({ params }, _req, res) {
      if (params.id === DEFAULT_TENANT)
        throw new HttpError(409, 'default_tenant', 'the default tenant always exists and cannot be deleted');
      if (!(await tenants.delete(params.id))) throw notFound(params.id);
      // The record goes first: a create racing with this one re-checks its tenant after inserting
      // (see the subscription create), so either it sees the tenant gone or this sees its subscription.
      for (const id of await store.idsOfTenant(params.id)) {
        if (await store.delete(id, params.id)) await feed.deleted(id);
      }
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/tenants/:id/portal',
    summary: 'Mint a tenant token (and its portal link) scoped to this tenant',
    tags,
    params: tenantIdParams,
    body: portalBody,
    bodyOptional: true,
    responses: { 201: { description: 'minted', schema: portalTokenSchema }, 404: { description: 'unknown tenant' } },
    async handler({ params, body }, _req, res) {
      const doc = await tenants.get(params.id);
      if (!doc) throw notFound(params.id);
      const iat = Date.now();
      const exp = iat + (body?.expiresInMinutes ?? TOKEN_MINUTES_DEFAULT) * 60_000;
      const token = signTenantToken(ctx.tenantTokens.secret, { tenant: doc._id, epoch: doc.tokenEpoch, iat, exp });
      // In the fragment, not the query: a browser never sends it to a server or writes it to a log.
      res
        .status(201)
        .json({ token, url: `${ctx.publicUrl}/portal#token=${token}`, expiresAt: new Date(exp).toISOString() });
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/tenants/:id/portal/revoke',
    summary: 'Invalidate every tenant token issued for this tenant until now',
    tags,
    params: tenantIdParams,
    responses: { 204: { description: 'revoked' }, 404: { description: 'unknown tenant' } },
    async handler({ params }, _req, res) {
      if (!(await tenants.revokeTokens(params.id))) throw notFound(params.id);
      res.status(204).end();
    },
  });
}

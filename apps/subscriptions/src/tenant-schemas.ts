import { tenantIdSchema } from '@hookline/contracts';
import { z } from 'zod';
import { checkBranding } from './portal-branding';
import { metadataSchema } from './schemas';

/** Request and response shapes of `/tenants` (registered in the OpenAPI document by defineRoute). */
export const TENANT_NAME_MAX_LENGTH = 200;
/** Tenant tokens live at most 30 days; a portal link is meant for a session, not forever. */
export const TOKEN_MINUTES_MAX = 30 * 24 * 60;
export const TOKEN_MINUTES_DEFAULT = 60;

// `.meta`, not `.openapi`: zod 4 gives a schema its methods when it is made, and contracts' schema was
// made before @hookline/http added `.openapi()`.
const tenantId = tenantIdSchema.meta({ description: 'a tenant id', example: 'acme' });
const name = z
  .string()
  .min(1, 'must not be empty')
  .max(TENANT_NAME_MAX_LENGTH, `must be at most ${TENANT_NAME_MAX_LENGTH} characters`);

export const tenantIdParams = z.object({ id: tenantId });

export const createTenantBody = z
  .strictObject({
    id: tenantId.optional().openapi({ description: 'your own id (e.g. your customer id); default ten_<ULID>' }),
    name,
    metadata: metadataSchema.superRefine(checkBranding).optional(),
  })
  .openapi('CreateTenant');

export const patchTenantBody = z
  .strictObject({
    name: name.optional(),
    metadata: metadataSchema
      .superRefine(checkBranding)
      .nullable()
      .optional()
      .openapi({ description: 'null removes it' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field')
  .openapi('PatchTenant');

export const tenantListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: tenantId.optional().openapi({ description: 'the next_cursor of the previous page' }),
  })
  .strict();

export const portalBody = z
  .strictObject({
    expiresInMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(1, 'must be at least 1')
      .max(TOKEN_MINUTES_MAX, `must be at most ${TOKEN_MINUTES_MAX} (30 days)`)
      .optional()
      .openapi({ description: `default ${TOKEN_MINUTES_DEFAULT}` }),
  })
  .openapi('PortalTokenRequest');

export const tenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    metadata: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Tenant');

export const tenantPageSchema = z
  .object({ data: z.array(tenantSchema), next_cursor: z.string().nullable() })
  .openapi('TenantPage');

export const portalTokenSchema = z
  .object({
    token: z.string().openapi({ description: 'Authorization: Bearer <token>, scoped to the tenant' }),
    url: z.string().openapi({ example: 'http://localhost:3000/portal#token=hlt_…' }),
    expiresAt: z.string(),
  })
  .openapi('PortalToken');

export const portalSessionSchema = z
  .object({
    tenant: z.object({ id: z.string(), name: z.string() }),
    branding: z
      .object({ name: z.string().optional(), logoUrl: z.string().optional(), accent: z.string().optional() })
      .openapi({ description: 'from the tenant metadata portalName, portalLogoUrl and portalAccent, where set' }),
  })
  .openapi('PortalSession');

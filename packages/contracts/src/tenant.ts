import { z } from 'zod';

/**
 * Tenants: the customers of the SaaS that runs Hookline. Every subscription belongs to one; an
 * event may name one (then only its subscriptions match) or not (every tenant's matching ones).
 */
export const DEFAULT_TENANT = 'default';

// A SaaS may use its own customer id, so ids are the caller's, within a URL- and key-safe alphabet.
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, 'must be 1 to 64 letters, digits, _ or -');

/**
 * What the portal looks like: the env's branding (`/portal/branding.json`: PORTAL_NAME,
 * PORTAL_LOGO_URL, PORTAL_ACCENT) under the tenant's own (`GET /tenant`: its metadata portalName,
 * portalLogoUrl, portalAccent), each value on its own. The API checks the tenant's values; an env
 * value is the operator's.
 */
export interface Branding {
  name: string;
  logoUrl: string | null;
  accent: string;
}

export const DEFAULT_BRANDING: Branding = { name: 'Webhooks', logoUrl: null, accent: '#4f46e5' };

export interface TenantBranding {
  name?: string;
  logoUrl?: string;
  accent?: string;
}

export function mergeBranding(env: Branding, tenant: TenantBranding | undefined): Branding {
  return {
    name: tenant?.name ?? env.name,
    logoUrl: tenant?.logoUrl ?? env.logoUrl,
    accent: tenant?.accent ?? env.accent,
  };
}

/** `GET /tenant`: the token's tenant and its branding. */
export interface PortalSession {
  tenant: { id: string; name: string };
  branding: TenantBranding;
}

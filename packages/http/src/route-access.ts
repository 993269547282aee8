import { apiAuth, type Logger, managementAuth, type RouteAccess, type TenantTokenVerifier } from '@hookline/http';

/**
 * Who may call a project route. `management`: API keys only, a tenant token is a 403. `tenant`: a
 * tenant token too, scoped to its tenant (the handler asks `tenantScope(req)`).
 */
export interface ProjectAccess {
  management: RouteAccess;
  tenant: RouteAccess;
}

const MANAGEMENT_ERRORS = {
  400: { description: 'invalid request: `{"error": {"code", "message", "details"}}` listing every invalid field' },
  401: { description: 'API_KEYS is set and no valid `Authorization: Bearer <key>` was given' },
  403: {
    description: 'protected mode (API_KEYS unset): only loopback clients are served; or a tenant token was given',
  },
};
const TENANT_ERRORS = {
  ...MANAGEMENT_ERRORS,
  401: {
    description:
      'no valid API key (API_KEYS set), or a tenant token that is expired, revoked, malformed or wrongly signed',
  },
  403: {
    description: 'protected mode (API_KEYS unset) and not a loopback client, or the request names another tenant',
  },
  404: { description: "unknown id, or another tenant's (a tenant token never learns what exists elsewhere)" },
};

export function projectAccess(options: {
  apiKeys: readonly string[];
  logger?: Logger;
  tenantTokens: TenantTokenVerifier;
}): ProjectAccess {
  const { apiKeys, logger, tenantTokens } = options;
  return {
    management: { guard: managementAuth(apiKeys, logger), security: [{ apiKey: [] }], errors: MANAGEMENT_ERRORS },
    tenant: {
      guard: apiAuth({ apiKeys, logger, tenantTokens }),
      security: [{ apiKey: [] }, { tenantToken: [] }],
      errors: TENANT_ERRORS,
    },
  };
}

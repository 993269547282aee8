import type { z } from 'zod';

/**
 * A tenant's portal branding lives in its metadata (free-form string labels), under three keys a SaaS
 * sets per customer: `portalName`, `portalLogoUrl` (http or https) and `portalAccent` (#rgb or #rrggbb).
 * They are checked when a tenant is written (a 400 naming `metadata.<key>`) and again when read, so a
 * record written before the check never reaches a page as a broken logo or colour.
 */
export const BRANDING_KEYS = { name: 'portalName', logoUrl: 'portalLogoUrl', accent: 'portalAccent' } as const;
export const PORTAL_NAME_MAX_LENGTH = 100;

export interface PortalBranding {
  name?: string;
  logoUrl?: string;
  accent?: string;
}

const ACCENT = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** What is wrong with one branding value, or undefined when it is fine (or not a branding key). */
export function brandingProblem(key: string, value: string): string | undefined {
  if (key === BRANDING_KEYS.name && (value.trim() === '' || value.length > PORTAL_NAME_MAX_LENGTH))
    return `must be 1 to ${PORTAL_NAME_MAX_LENGTH} characters`;
  if (key === BRANDING_KEYS.logoUrl && !isWebUrl(value)) return 'must be an http or https URL';
  if (key === BRANDING_KEYS.accent && !ACCENT.test(value)) return 'must be a colour like #4f46e5';
  return undefined;
}

/** The branding a tenant's metadata sets, valid values only (the page falls back to the env's for the rest). */
export function portalBranding(metadata: Record<string, string> | undefined): PortalBranding {
  const branding: PortalBranding = {};
  for (const [field, key] of Object.entries(BRANDING_KEYS) as Array<[keyof PortalBranding, string]>) {
    const value = metadata?.[key];
    if (value !== undefined && brandingProblem(key, value) === undefined) branding[field] = value;
  }
  return branding;
}

/** Refines a metadata schema: a branding key with a bad value is an issue at `metadata.<key>`. */
export function checkBranding(metadata: Record<string, string> | null | undefined, ctx: z.RefinementCtx): void {
  for (const [key, value] of Object.entries(metadata ?? {})) {
    const problem = brandingProblem(key, value);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
}

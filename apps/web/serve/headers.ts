/**
 * The security headers of the two pages, as pure functions of the settings (unit-tested).
 * No inline script anywhere: the build emits only <script src> tags, and the portal's branding comes
 * from /portal/branding.json instead of a script block. React's style props go through the CSSOM,
 * which style-src does not govern, so 'self' is enough for styles too.
 */
export type Page = 'dashboard' | 'portal';

export function contentSecurityPolicy(page: Page, portalFrameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // A portal logo may live on the SaaS's own site (PORTAL_LOGO_URL or tenant metadata).
    `img-src 'self' data: ${page === 'portal' ? 'https: http:' : ''}`.trim(),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${page === 'dashboard' ? "'none'" : portalFrameAncestors}`,
  ].join('; ');
}

export function pageHeaders(page: Page, portalFrameAncestors: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy(page, portalFrameAncestors),
    'X-Content-Type-Options': 'nosniff',
    // The portal link carries its token in the fragment, which is never sent; no referrer at all anyway.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
  // The operator dashboard is never framed (clickjacking); the portal is embeddable where allowed.
  if (page === 'dashboard') headers['X-Frame-Options'] = 'DENY';
  return headers;
}

import type { Request, RequestHandler } from 'express';
import { errorBody } from './errors';

/**
 * Hookline trusts some requests for where they come from: protected mode serves loopback clients,
 * and the docker-compose edge adds the API key to management requests from this machine. A browser
 * is such a client too, on behalf of any page it shows, so this guard keeps web pages out:
 *
 * - DNS rebinding: a page's own hostname, re-pointed at 127.0.0.1, reaches us with its Host header.
 *   Only localhost, 127.0.0.1, [::1] and the operator's PUBLIC_HOSTS are served (421 otherwise).
 * - Cross-site requests: a state-changing request whose Origin (or Sec-Fetch-Site) says another site
 *   sent it is a 403. Origins on an allowed host count as ours whatever their port (a dev server).
 * - Browsers that send no Origin: see `requireJsonContentType`, applied by managementAuth.
 */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `Example.com.:3000` -> `example.com`; `[::1]:3000` -> `[::1]`. */
export function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export function allowedHosts(publicHosts: readonly string[] = []): Set<string> {
  return new Set([...LOOPBACK_HOSTS, ...publicHosts.map(hostnameOf)]);
}

function foreignOrigin(req: Request, hosts: Set<string>): boolean {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return !hosts.has(hostnameOf(new URL(origin).host));
  } catch {
    return true; // `null` (sandboxed frames, file: pages) and garbage are nobody we know
  }
}

export function requestGuard(publicHosts: readonly string[] = []): RequestHandler {
  const hosts = allowedHosts(publicHosts);
  return (req, res, next) => {
    const host = req.headers.host;
    if (host === undefined || !hosts.has(hostnameOf(host))) {
      res
        .status(421)
        .json(
          errorBody('misdirected_request', 'this host name is not served here: add it to PUBLIC_HOSTS to serve it'),
        );
      return;
    }
    if (STATE_CHANGING.has(req.method) && foreignOrigin(req, hosts)) {
      res.status(403).json(errorBody('forbidden_origin', 'cross-site requests are refused'));
      return;
    }
    next();
  };
}

/**
 * A plain HTML form (or `fetch` in no-cors mode) can POST cross-site with a text/plain, urlencoded or
 * multipart body and no preflight, bodies or not; any other content type needs a CORS preflight, which
 * Hookline never grants. So a management POST must say `Content-Type: application/json`, even with no
 * body (`/ping`, `.../secret/rotate`, `.../replay`). PUT, PATCH and DELETE are always preflighted.
 */
export const requireJsonContentType: RequestHandler = (req, res, next) => {
  // Not req.is(): it answers null for a request without a body, and these are the ones that matter.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (req.method !== 'POST' || type === 'application/json' || type.endsWith('+json')) return next();
  res
    .status(415)
    .json(
      errorBody(
        'unsupported_media_type',
        'management POST requests must send Content-Type: application/json, even without a body',
      ),
    );
};

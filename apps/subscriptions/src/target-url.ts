import { isIP } from 'node:net';
import { refusedAddressReason } from '@hookline/dispatcher';

/**
 * The SSRF check at subscription time: a URL whose host is a LITERAL address in the dispatcher's
 * refused ranges (the one list, also checked on every connection), or `localhost`, is refused unless
 * ALLOW_PRIVATE_TARGETS. Host names are not resolved here: DNS can change after the check, so the
 * sender checks the address it actually connects to.
 */
export function privateTargetReason(url: URL, allowPrivateTargets: boolean): string | null {
  if (allowPrivateTargets) return null;
  // WHATWG URL already normalised odd IPv4 spellings (2130706433, 0x7f.1) to dotted form and
  // IPv4-mapped IPv6 to hex (::ffff:7f00:1), which the block list matches against the IPv4 rules.
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'localhost is not allowed as a target (set ALLOW_PRIVATE_TARGETS=true to allow it)';
  }
  if (isIP(host) === 0) return null;
  const reason = refusedAddressReason(host);
  return reason ? `${reason} (set ALLOW_PRIVATE_TARGETS=true to allow it)` : null;
}

import { BlockList, isIP } from 'node:net';

/**
 * The SSRF check at subscription time: a URL whose host is a LITERAL private, loopback, link-local,
 * CGNAT, multicast or unspecified address (or `localhost`) is refused unless ALLOW_PRIVATE_TARGETS.
 * Host names are not resolved here: DNS can change after the check, so the delivery side must check
 * the address it actually connects to. This file is deliberately one function so the shared guard
 * can replace it.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64: embeds an IPv4 address that may be private
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Why this URL may not be a target, or null when it may. `url` is already a parsed http(s) URL. */
export function privateTargetReason(url: URL, allowPrivateTargets: boolean): string | null {
  if (allowPrivateTargets) return null;
  // WHATWG URL already normalised odd IPv4 spellings (2130706433, 0x7f.1) to dotted form and
  // IPv4-mapped IPv6 to hex (::ffff:7f00:1), which BlockList matches against the IPv4 rules.
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'localhost is not allowed as a target (set ALLOW_PRIVATE_TARGETS=true to allow it)';
  }
  const family = isIP(host);
  if (family === 0) return null;
  if (PRIVATE.check(host, family === 4 ? 'ipv4' : 'ipv6')) {
    return `${host} is a private, loopback or link-local address (set ALLOW_PRIVATE_TARGETS=true to allow it)`;
  }
  return null;
}

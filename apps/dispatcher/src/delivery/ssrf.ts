import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook may never be delivered to unless ALLOW_PRIVATE_TARGETS is on: loopback,
 * private, link-local (cloud metadata 169.254.169.254 and fd00:ec2::254 included), carrier-grade
 * NAT, multicast, unspecified, reserved, and their IPv4-mapped IPv6 forms.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (fd00:ec2::254, AWS metadata, included)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Why an address is refused, or null when it may be used. */
export function refusedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  let ip = address;
  let type: 'ipv4' | 'ipv6' = family === 4 ? 'ipv4' : 'ipv6';
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address in disguise.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) {
    ip = mapped[1];
    type = 'ipv4';
  }
  return blocked.check(ip, type)
    ? `target address ${address} is not public (loopback, private, link-local or reserved)`
    : null;
}

export class ForbiddenTargetError extends Error {
  override readonly name = 'ForbiddenTargetError';
  readonly code = 'ESSRF';
}

/**
 * A DNS lookup for the sender's agents that refuses a name resolving to a refused address, so the
 * guard checks the address actually connected to (a name resolving to 127.0.0.1 is refused), not the
 * URL text. Literal IPs skip DNS in Node: the sender checks those itself.
 */
export function guardedLookup(): LookupFunction {
  return ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const reason = refusedAddressReason(a.address);
        if (reason) return callback(new ForbiddenTargetError(`${hostname} resolves to a refused address: ${reason}`));
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`no address for ${hostname}`));
    });
  }) as LookupFunction;
}

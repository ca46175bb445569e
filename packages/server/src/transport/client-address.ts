import { BlockList, isIP } from 'node:net';

/**
 * Which proxies in front of the server may say who the client is (`X-Forwarded-For`):
 * - a number: that many proxies stand between every client and this server, and nothing else can reach it; the
 *   client is the address that many hops from the right of `X-Forwarded-For` plus the socket's peer.
 * - a list of addresses or CIDR ranges (`10.0.0.0/8`, `::1`): hops from these are proxies; walking from the
 *   socket's peer leftwards through `X-Forwarded-For`, the first address not in the list is the client.
 * Absent (or 0, or an empty list): `X-Forwarded-For` is ignored and the socket's peer is the client, so a
 * client cannot pick the address it is counted under.
 */
export type TrustProxy = number | readonly string[];

/** `::ffff:1.2.3.4` is the IPv4 client 1.2.3.4 on a dual-stack socket. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new TypeError(`trustProxy: "${entry}" is not an IP address or CIDR range.`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new TypeError(`trustProxy: "${entry}" has an invalid prefix length.`);
      }
      list.addSubnet(address, prefix, type);
    }
  }
  return list;
}

/**
 * Finds a request's client address under the `trustProxy` rule. Throws at construction on a malformed list
 * entry or a negative hop count, so a typo does not start a server that trusts nobody or everybody.
 */
export function clientAddressResolver(
  trustProxy: TrustProxy | undefined,
): (peer: string | undefined, forwardedFor: string | string[] | undefined) => string | undefined {
  if (trustProxy === undefined || trustProxy === 0 || (Array.isArray(trustProxy) && trustProxy.length === 0)) {
    return (peer) => (peer === undefined ? undefined : unmapped(peer));
  }
  if (typeof trustProxy === 'number') {
    if (!Number.isInteger(trustProxy) || trustProxy < 0) {
      throw new TypeError(`trustProxy must be a whole number of proxies or a list of addresses, got ${trustProxy}.`);
    }
    return (peer, forwardedFor) => {
      const chain = chainOf(peer, forwardedFor);
      // Fewer entries than trusted hops: the leftmost is the best anyone said.
      return chain[Math.max(0, chain.length - 1 - trustProxy)];
    };
  }
  const proxies = blockListOf(trustProxy as readonly string[]);
  return (peer, forwardedFor) => {
    const chain = chainOf(peer, forwardedFor);
    for (let i = chain.length - 1; i > 0; i--) {
      const address = chain[i] as string;
      const family = isIP(address);
      if (family === 0 || !proxies.check(address, family === 4 ? 'ipv4' : 'ipv6')) return address;
    }
    return chain[0];
  };
}

/** `X-Forwarded-For` left to right, then the socket's peer; entries that are not addresses end the trust. */
function chainOf(peer: string | undefined, forwardedFor: string | string[] | undefined): string[] {
  if (peer === undefined) return [];
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const forwarded = header
    .split(',')
    .map((entry) => unmapped(entry.trim()))
    .filter((entry) => entry !== '');
  // A forged or garbled entry must not become a key: everything left of it is dropped.
  const firstBad = forwarded.findLastIndex((entry) => isIP(entry) === 0);
  return [...forwarded.slice(firstBad + 1), unmapped(peer)];
}

/**
 * The key a connection is counted under: the IPv4 address, or the /64 an IPv6 address lies in (one host is
 * usually handed a whole /64, so counting single IPv6 addresses would cap nothing).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

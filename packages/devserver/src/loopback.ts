import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True when a socket's remote address is this machine: 127.0.0.0/8, ::1, or IPv4-mapped
 * loopback (`::ffff:127.0.0.1`, how a dual-stack socket reports IPv4 peers). The control API can
 * revoke sessions and break the server, so it must not be reachable from the network even when
 * the server listens on 0.0.0.0.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const ip = mapped ? (mapped[1] as string) : address;
  const version = isIP(ip);
  if (version === 0) return false;
  return LOOPBACK.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}

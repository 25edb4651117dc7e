import { isIP } from 'node:net';

// Where the sandbox gateways may forward: loopback targets only (the sandbox's IP-echo
// target, a test's server), so a sandbox never relays traffic off the machine. Both
// gateways ask here, so the rule cannot drift between them.

const NAMES = new Set(['localhost', '::1']);

/** True for `localhost`, 127.0.0.0/8 and ::1 in any spelling (SOCKS5 sends IPv6 fully written out). */
export function isLoopbackTarget(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (NAMES.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    // The URL parser writes an IPv6 address in its shortest form: `0000:…:0001` becomes `[::1]`.
    const short = new URL(`http://[${bare}]/`).hostname;
    return short === '[::1]' || /^\[::ffff:7f/.test(short);
  }
  return false;
}

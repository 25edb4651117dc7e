import { RequestError, Server } from 'proxy-chain';
import { isLoopbackTarget } from './loopback.js';

// A simulator's proxy gateway: a real HTTP proxy on loopback (plain requests and CONNECT
// tunnels) that lets through exactly the credentials the simulator issued for its active
// orders. It forwards to loopback targets only (loopback.ts): a sandbox never relays
// traffic to the internet. socks-gateway.ts is its SOCKS5 side, with the same two checks.

export interface ForwardingProxy {
  port: number;
  close(): Promise<void>;
}

export async function startForwardingProxy(host: string, port: number, accepts: (username: string, password: string) => boolean): Promise<ForwardingProxy> {
  const server = new Server({
    host,
    port,
    authRealm: 'sandbox proxy',
    prepareRequestFunction({ username, password, hostname }) {
      if (!username || !accepts(decodeURIComponent(username), decodeURIComponent(password))) {
        return { requestAuthentication: true, failMsg: 'Proxy credentials refused: unknown, expired or revoked.' };
      }
      if (!isLoopbackTarget(hostname)) throw new RequestError('The sandbox proxy forwards to loopback targets only.', 403);
      return {};
    },
  });
  await server.listen();
  return {
    port: server.port,
    close: () => server.close(true),
  };
}

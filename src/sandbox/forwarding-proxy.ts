import { RequestError, Server } from 'proxy-chain';

// A simulator's proxy gateway: a real HTTP proxy on loopback (plain requests and CONNECT
// tunnels) that lets through exactly the credentials the simulator issued for its active
// orders. It forwards to loopback targets only (the sandbox's own IP-echo target, a test's
// server): a sandbox never relays traffic to the internet.

export interface ForwardingProxy {
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function startForwardingProxy(
  host: string,
  port: number,
  accepts: (username: string, password: string) => boolean,
): Promise<ForwardingProxy> {
  const server = new Server({
    host,
    port,
    authRealm: 'sandbox proxy',
    prepareRequestFunction({ username, password, hostname }) {
      if (!username || !accepts(decodeURIComponent(username), decodeURIComponent(password))) {
        return { requestAuthentication: true, failMsg: 'Proxy credentials refused: unknown, expired or revoked.' };
      }
      if (!LOOPBACK.has(hostname)) throw new RequestError('The sandbox proxy forwards to loopback targets only.', 403);
      return {};
    },
  });
  await server.listen();
  return {
    port: server.port,
    close: () => server.close(true),
  };
}

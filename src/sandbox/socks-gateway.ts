import { createServer, type Socket } from 'node:net';
import { Socks5Server } from '@pondwader/socks5-server';
import type { ForwardingProxy } from './forwarding-proxy.js';
import { isLoopbackTarget } from './loopback.js';

// A simulator's SOCKS5 gateway: the SOCKS5 side of its forwarding proxy. Username/password
// auth lets through exactly what the HTTP gateway lets through (the simulator's own check);
// a destination off loopback is refused by the ruleset, before any connection is opened.
// The library speaks the protocol; the listening socket is ours, so a port in use fails
// `listen` (the caller then takes a free one) and `close` can end open tunnels.

export async function startSocksGateway(host: string, port: number, accepts: (username: string, password: string) => boolean): Promise<ForwardingProxy> {
  const socks = new Socks5Server()
    .setAuthHandler((connection) => {
      // The library does not catch a throwing handler: a failed check is a refusal.
      try {
        return accepts(connection.username, connection.password);
      } catch {
        return false;
      }
    })
    .setRulesetValidator((connection) => connection.command === 'connect' && isLoopbackTarget(connection.destAddress));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socks._handleConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

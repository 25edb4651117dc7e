import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The sandbox's IP-echo target: answers every request with the address it came from, as
// public echo services do (`{"ip": "…"}`). Through a sandbox proxy that is the proxy's
// own loopback address, so a check can report an exit IP without leaving the machine.

let running: Promise<string> | undefined;

/** The echo target's URL, started on first use; it never keeps the process alive. */
export function ipEchoUrl(host = '127.0.0.1'): Promise<string> {
  running ??= new Promise<string>((resolve, reject) => {
    const server = createServer((req, res) => {
      const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ ip }));
    });
    server.on('error', reject);
    server.listen(0, host, () => {
      server.unref();
      resolve(`http://${host}:${(server.address() as AddressInfo).port}/ip`);
    });
  });
  return running;
}

import type { Order } from './providers/types.js';

/** Proxy passwords are shown only when asked for; everywhere else (results, the store) they are masked. */
export function maskCredentials(order: Order): Order {
  return {
    ...order,
    proxies: order.proxies.map((proxy) => ({ ...proxy, password: proxy.password === null ? null : maskSecret(proxy.password) })),
  };
}

function maskSecret(secret: string): string {
  return secret.length <= 4 ? '****' : `${secret.slice(0, 2)}${'*'.repeat(Math.min(8, secret.length - 2))}`;
}

import { usableAmount } from '../../money.js';
import type { Offer, Order, OrderState } from '../types.js';
import type { VendorOrder, VendorPackage } from './api.js';

// Pure mapping of AcmeProxy payloads to the domain types.

const STATES: Record<string, OrderState> = { active: 'active', pending: 'pending', failed: 'failed', expired: 'expired', refunded: 'refunded' };

export function packageToOffer(pkg: VendorPackage): Offer {
  return {
    id: pkg.code,
    name: pkg.name ?? pkg.code,
    kind: pkg.kind ?? 'proxy',
    country: pkg.country ?? null,
    price_from_usd: usableAmount(pkg.price_per_ip),
    price_unit: 'per IP, 30 days',
    in_stock: pkg.in_stock ?? null,
  };
}

export function orderFromVendor(order: VendorOrder): Order {
  return {
    id: order.id,
    status: order.status,
    // Unknown words count as in progress, never as failed.
    state: STATES[order.status] ?? 'pending',
    total_usd: usableAmount(order.total),
    proxies: (order.proxies ?? []).map((p) => ({
      host: p.host,
      port: p.port,
      protocol: p.protocol ?? 'http',
      username: p.username ?? null,
      password: p.password ?? null,
    })),
    package: order.package ?? null,
    quantity: order.quantity ?? null,
  };
}

import { newUuid, type Route, type SimRequest, type SimResponse, Simulator, type VendorState } from './kit.js';

// AcmeProxy, a made-up fifth vendor simulated on loopback: its key in an `X-Acme-Key`
// header, its own envelope (`{ ok: true, ... }` or `{ ok: false, problem: { code, text } }`),
// a package catalog priced per IP, orders paid from the wallet and active at once.

export const sandboxKey = 'acme_sandbox_5f0c2b7e9d1a4c3b8e6f';

export interface AcmePackage {
  code: string;
  name: string;
  kind: string;
  country: string;
  /** USD per IP for 30 days (mutable: tests move and poison it). */
  price_per_ip: unknown;
  in_stock: number;
}

export interface AcmeOrder {
  id: string;
  package: string;
  quantity: number;
  status: 'active';
  total: number;
  created_at: string;
  proxies: Array<{ host: string; port: number; protocol: string; username: string; password: string }>;
}

export interface AcmeState extends VendorState {
  orders: Map<string, AcmeOrder>;
  packages: AcmePackage[];
}

const problem = (status: number, code: string, text: string): SimResponse => ({ status, json: { ok: false, problem: { code, text } } });
const ok = (status: number, body: Record<string, unknown>): SimResponse => ({ status, json: { ok: true, ...body } });

export function createSimulator(): Simulator<AcmeState> {
  const state: AcmeState = {
    balance: 100,
    orders: new Map(),
    packages: [
      { code: 'dc-us', name: 'US datacenter', kind: 'datacenter', country: 'US', price_per_ip: 2.5, in_stock: 100 },
      { code: 'res-de', name: 'DE residential', kind: 'residential', country: 'DE', price_per_ip: 6, in_stock: 0 },
    ],
  };

  /** Every route needs the key; a missing or wrong one gets the same answer. */
  const keyed =
    (handle: (request: SimRequest) => SimResponse): Route['handle'] =>
    (request) =>
      request.headers['x-acme-key'] === sandboxKey ? handle(request) : problem(401, 'BAD_KEY', 'API key not recognised.');

  const routes: Route[] = [
    { method: 'GET', pattern: '/packages', handle: keyed(() => ok(200, { packages: state.packages })) },
    { method: 'GET', pattern: '/account', handle: keyed(() => ok(200, { balance: state.balance, currency: 'USD' })) },
    {
      method: 'GET',
      pattern: '/orders/:id',
      handle: keyed((request) => {
        const order = state.orders.get(request.params.id);
        return order ? ok(200, { order }) : problem(404, 'NOT_FOUND', 'No such order.');
      }),
    },
    {
      method: 'POST',
      pattern: '/orders',
      money: true,
      handle: keyed((request) => {
        const body = (request.body ?? {}) as { package?: unknown; quantity?: unknown };
        const found = state.packages.find((p) => p.code === body.package);
        if (!found) return problem(422, 'BAD_PACKAGE', 'Unknown package.');
        const quantity = Number(body.quantity);
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > found.in_stock) return problem(422, 'BAD_QUANTITY', 'Quantity not available.');
        const price = Number(found.price_per_ip);
        if (!Number.isFinite(price) || price <= 0) return problem(422, 'BAD_PACKAGE', 'Package not for sale.');
        const total = Math.round(price * quantity * 100) / 100;
        // Check and debit in one synchronous step: concurrent orders cannot both pass the check.
        if (total > state.balance + 1e-9) return problem(402, 'NO_FUNDS', 'Not enough credit.');
        state.balance = Math.round((state.balance - total) * 100) / 100;
        const id = newUuid();
        const proxies = Array.from({ length: quantity }, (_, i) => ({
          host: `${found.code}.proxy.acmeproxy.test`,
          port: 8000 + i,
          protocol: 'http',
          username: `acme-${id.slice(0, 8)}`,
          password: newUuid().slice(0, 12),
        }));
        const order: AcmeOrder = { id, package: found.code, quantity, status: 'active', total, created_at: new Date().toISOString(), proxies };
        state.orders.set(id, order);
        return ok(201, { order });
      }),
    },
  ];
  return new Simulator<AcmeState>('acmeproxy', '/v1', routes, state);
}

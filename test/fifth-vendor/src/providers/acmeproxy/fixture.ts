import type { AcmeState } from '../../sandbox/acmeproxy.js';
import type { Simulator } from '../../sandbox/kit.js';
import type { ContractFixture } from '../types.js';

// Against the seeded AcmeProxy simulator: 100 USD wallet, package dc-us at 2.50 USD per IP
// (100 in stock), res-de out of stock.
export const fixture: ContractFixture = {
  listInput: { kind: 'datacenter' },
  order: { package: 'dc-us', quantity: 2 },
  invalidOrders: [
    { input: { package: 'nope', quantity: 1 }, message: /no package 'nope'/ },
    { input: { package: 'res-de', quantity: 1 }, message: /0 IPs in stock/ },
  ],
  // 50 × 2.50 = 125 USD, more than the wallet.
  unaffordableOrder: { package: 'dc-us', quantity: 50 },
  wrongKey: 'acme_WRONGwrongWRONGwrong0005',
  probe: {
    read: { operation: 'wallet_balance', path: /^\/account$/ },
    money: /^\/orders$/,
    fundsError: { kind: 'status', status: 402, json: { ok: false, problem: { code: 'NO_FUNDS', text: 'Not enough credit.' } } },
    authError: { kind: 'status', status: 401, json: { ok: false, problem: { code: 'BAD_KEY', text: 'API key not recognised.' } } },
  },
  price: {
    field: /AcmeProxy gave package dc-us price_per_ip = /,
    scale(simulator, factor) {
      const pkg = dcUs(simulator);
      pkg.price_per_ip = Math.round(Number(pkg.price_per_ip) * factor * 100) / 100;
    },
    poison(simulator, value) {
      dcUs(simulator).price_per_ip = value;
    },
    // proxycart multiplies the IP price by the quantity.
    overflow: { value: 1e306, expected: 'invalid_input' },
  },
};

const dcUs = (simulator: Simulator) => (simulator as Simulator<AcmeState>).state.packages.find((p) => p.code === 'dc-us')!;

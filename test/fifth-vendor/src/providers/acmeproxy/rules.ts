import { ProxycartError } from '../../errors.js';
import { priceTimes, vendorPrice } from '../../money.js';
import type { PreparedOrder } from '../types.js';
import type { VendorPackage } from './api.js';
import type { PlaceOrderInput } from './schemas.js';

// AcmeProxy's order rules, checked against the package list before any money call.

export function prepareAgainst(input: PlaceOrderInput, packages: VendorPackage[]): PreparedOrder {
  const pkg = packages.find((p) => p.code === input.package);
  if (!pkg) throw new ProxycartError('invalid_input', `AcmeProxy has no package '${input.package}'.`, { advice: 'Call list_offers to see the package codes.' });
  const stock = pkg.in_stock ?? 0;
  if (input.quantity > stock) {
    throw new ProxycartError('invalid_input', `Package ${pkg.code} has ${stock} IPs in stock, fewer than the ${input.quantity} asked.`, {
      advice: 'Order fewer IPs or another package.',
    });
  }
  const price = priceTimes(vendorPrice('AcmeProxy', `package ${pkg.code} price_per_ip`, pkg.price_per_ip), input.quantity, `AcmeProxy package ${pkg.code}`);
  return {
    request: { package: pkg.code, quantity: input.quantity },
    quote: {
      total_usd: price.usd,
      price_source: price.usd === null ? 'unknown' : 'catalog_estimate',
      summary: `${input.quantity} × ${pkg.name ?? pkg.code} (package ${pkg.code}), 30 days`,
      warnings: price.warning ? [price.warning] : [],
    },
  };
}

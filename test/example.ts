import { PROVIDERS } from '../src/providers/index.js';
import type { Capabilities, ProviderSpec } from '../src/providers/types.js';
import { fixtureOf, type VendorFixture } from './fixtures.js';

// The example vendor of the shared tests, picked from the registry by what it can do,
// never by name: the first provider that reads a balance, prices an order and recovers a
// lost answer by replaying its idempotency key. Tests that need another kind of vendor
// pick it the same way (`firstWith`), so no shared test names a vendor.

export type Operation = 'list_offers' | 'place_order' | 'order_status' | 'wallet_balance';

/** The first registered provider whose capabilities pass `test`. */
export function firstWith(test: (capabilities: Capabilities) => boolean, exclude: readonly string[] = []): ProviderSpec {
  const found = PROVIDERS.find((spec) => !exclude.includes(spec.id) && test(spec.capabilities));
  if (!found) throw new Error('No registered provider has the capabilities this test needs.');
  return found;
}

export const EXAMPLE: ProviderSpec = firstWith((c) => c.balance && c.quote !== 'unknown' && c.recover === 'replay');

/** The example vendor's id. */
export const ID = EXAMPLE.id;

/** The example vendor's contract fixture (a priced, affordable order; a wrong key in its format; ...). */
export const FIXTURE: VendorFixture = fixtureOf(ID);

/** A tool of `spec` (the example vendor by default): `${id}_${operation}`. */
export function tool(operation: Operation, spec: ProviderSpec = EXAMPLE): string {
  return `${spec.id}_${operation}`;
}

/** The env names of `spec` (the example vendor by default). */
export function envOf(spec: ProviderSpec = EXAMPLE): { key: string; baseUrl: string } {
  return { key: spec.keyEnv, baseUrl: spec.baseUrlEnv };
}

/** Every registered provider but `spec`, in registry order. */
export function others(spec: ProviderSpec = EXAMPLE): ProviderSpec[] {
  return PROVIDERS.filter((p) => p.id !== spec.id);
}

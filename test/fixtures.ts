import { PROVIDERS } from '../src/providers/index.js';
import type { ContractFixture, ProviderSpec } from '../src/providers/types.js';

// Every registered provider with its contract-suite fixture (declared by the provider
// itself): the shared suites run over this list, so a new provider is picked up by them.

export interface VendorFixture extends ContractFixture {
  id: string;
  spec: ProviderSpec;
}

export const FIXTURES: readonly VendorFixture[] = await Promise.all(PROVIDERS.map(async (spec) => ({ ...(await spec.fixture()), id: spec.id, spec })));

export function fixtureOf(id: string): VendorFixture {
  const found = FIXTURES.find((fixture) => fixture.id === id);
  if (!found) throw new Error(`No provider ${id} in the registry.`);
  return found;
}

import { type ProxycartError, parseArguments } from '../src/errors.js';
import { MAX_CANDIDATES } from '../src/providers/compare.js';
import { PROVIDERS } from '../src/providers/index.js';
import type { CompareAsk, Connection, ContractFixture, ProviderClient, ProviderSpec, ReadOptions } from '../src/providers/types.js';

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

/**
 * A provider client whose list_offers and place_order inputs are parsed first, as the
 * server parses tool arguments (strict schemas, the one wording of problems): provider
 * tests call the client the way the tools do.
 */
export async function connectParsed(spec: ProviderSpec, connection: Connection): Promise<ProviderClient> {
  const client = await spec.connect(connection);
  const list = spec.listOffersInput.strict();
  const place = spec.placeOrderInput.strict();
  return Object.assign(Object.create(client) as ProviderClient, {
    // async: a refused input is a rejected promise, as a client call's own errors are.
    listOffers: async (input: Record<string, unknown>) => client.listOffers(parseArguments(list, input)),
    prepareOrder: async (input: Record<string, unknown>, options?: ReadOptions) => client.prepareOrder(parseArguments(place, input), options),
  });
}

/** What proxycart_compare_offers does with a provider's candidates: price each through prepareOrder (the first MAX_CANDIDATES; a refused one is left out). */
export async function priceCandidates(client: ProviderClient, ask: CompareAsk) {
  const candidates = (await client.compareCandidates!(ask)).slice(0, MAX_CANDIDATES);
  const priced = await Promise.all(
    candidates.map(async (candidate) => {
      try {
        return { candidate, quote: (await client.prepareOrder(candidate.args)).quote };
      } catch (error) {
        if (['invalid_input', 'vendor_error', 'not_found'].includes((error as ProxycartError).kind)) return undefined;
        throw error;
      }
    }),
  );
  return { candidates, priced: priced.filter((p) => p !== undefined) };
}

/** A compared offer's price per unit, rounded as proxycart_compare_offers rounds it. */
export const perUnit = (total: number, units: number) => Math.round((total / units) * 10_000) / 10_000;

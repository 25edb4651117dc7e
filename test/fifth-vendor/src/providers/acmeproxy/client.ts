import type { Connection, ProviderClient } from '../types.js';
import { createApi } from './api.js';
import { orderFromVendor, packageToOffer } from './map.js';
import { prepareAgainst } from './rules.js';
import type { ListOffersInput, PlaceOrderInput } from './schemas.js';

// AcmeProxy's operations: endpoints (api.ts), translated (map.ts), orders checked (rules.ts).
// Inputs arrive parsed by the server with the spec's schemas.

export function createClient(connection: Connection): ProviderClient<ListOffersInput, PlaceOrderInput> {
  const api = createApi(connection);
  return {
    async listOffers({ kind }) {
      const packages = await api.listPackages();
      return { offers: packages.filter((p) => !kind || p.kind === kind).map(packageToOffer) };
    },
    async prepareOrder(input, options) {
      return prepareAgainst(input, await api.listPackages(options));
    },
    // No idempotency key at AcmeProxy: the ledger's key is not sent, and the call is made once.
    placeOrder: async (prepared) => orderFromVendor(await api.createOrder(prepared.request)),
    orderStatus: async (orderId) => orderFromVendor(await api.getOrder(orderId)),
    async walletBalance() {
      const account = await api.getAccount();
      return { balance: account.balance, currency: account.currency ?? 'USD' };
    },
  };
}

import { ProxycartError } from '../../errors.js';
import type { Connection, Order, PreparedOrder, ProviderClient } from '../types.js';
import { createApi } from './api.js';
import { createdOrder, offerList, toBalance, toOrder } from './map.js';
import { buildOrder, quoteOf, subscriptionOf } from './rules.js';
import type { ListOffersInput, PlaceOrderInput } from './schemas.js';

// ProxyScrape: a static list of documented order types, no prices before ordering, a wallet,
// and no way to look up an order whose create call got no answer (recover: false).

// Order ids are UUIDs; anything else is refused before it becomes part of a URL path.
const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/;

export function createClient(connection: Connection): ProviderClient<ListOffersInput, PlaceOrderInput> {
  const api = createApi(connection);

  async function walletBalance() {
    const balance = toBalance(await api.getBalance());
    if (!balance) throw new ProxycartError('vendor_unavailable', 'ProxyScrape answered the wallet balance without a number.');
    return balance;
  }

  /** The balance for a quote; a missing read permission is not a reason to refuse the quote. */
  async function quoteBalance(warnings: string[]): Promise<number | null | undefined> {
    try {
      const balance = await walletBalance();
      if (balance.currency === 'USD') return balance.balance;
      warnings.push(`The ProxyScrape wallet is in ${balance.currency}, not USD.`);
      return null;
    } catch (error) {
      // Ordering (write) and reading (read) are separate grants: an account may have only
      // the first. Any other failure (bad key, vendor down) would fail the order too.
      if (error instanceof ProxycartError && error.kind === 'auth' && error.details.httpStatus === 403) {
        warnings.push('The wallet balance is not readable: the account lacks account:api_ordering:read.');
        return null;
      }
      throw error;
    }
  }

  async function orderStatus(orderId: string): Promise<Order> {
    const id = orderId.trim();
    if (!ORDER_ID.test(id)) throw new ProxycartError('invalid_input', 'order_id must be the ProxyScrape order id (a UUID) that place_order returned.');
    return toOrder(await api.getOrderStatus(id), id);
  }

  return {
    async listOffers() {
      return offerList();
    },

    async prepareOrder(input) {
      const built = buildOrder(input);
      const warnings = [...built.warnings];
      const balance = await quoteBalance(warnings);
      const recurring = subscriptionOf(input);
      return { request: built.request, quote: quoteOf(built, warnings, balance), ...(recurring ? { recurring } : {}) };
    },

    async placeOrder(prepared: PreparedOrder) {
      // The vendor has no idempotency key, so the ledger's key is not sent; the request is sent once.
      const id = await api.createOrder(prepared.request);
      // The create answer is only the id. One status read fills in the price the ledger
      // records; if that read fails the order still stands, so it must not throw.
      try {
        return await orderStatus(id);
      } catch {
        return createdOrder(id);
      }
    },

    orderStatus: (orderId) => orderStatus(orderId),

    walletBalance,
  };
}

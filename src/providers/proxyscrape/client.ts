import { ProxycartError } from '../../errors.js';
import { createHttpClient } from '../../http/client.js';
import type { Connection, Order, PreparedOrder, ProviderClient, VendorQuote } from '../types.js';
import { createOrder, getBalance, getOrderStatus } from './api.js';
import { createdOrder, toBalance, toOrder } from './map.js';
import { OFFERS } from './offers.js';
import { buildOrder } from './order-rules.js';
import { placeOrderInput } from './schemas.js';
import { messageOf, toVendorError } from './vendor-errors.js';

// Order ids are UUIDs; anything else is refused before it becomes part of a URL path.
const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/;

export function createClient(connection: Connection): ProviderClient {
  const http = createHttpClient({
    vendor: 'ProxyScrape',
    baseUrl: connection.baseUrl,
    headers: { 'api-token': connection.apiKey },
    timeoutMs: connection.timeoutMs,
    toError: toVendorError,
    messageOf,
  });

  async function walletBalance() {
    const balance = toBalance(await getBalance(http));
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
    return toOrder(await getOrderStatus(http, id), id);
  }

  return {
    async listOffers() {
      return structuredClone(OFFERS);
    },

    async prepareOrder(input) {
      const parsed = placeOrderInput.safeParse(input);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
        throw new ProxycartError('invalid_input', `Invalid ProxyScrape order: ${problems.join('; ')}.`);
      }
      const built = buildOrder(parsed.data);
      const warnings = [...built.warnings];
      const balance = await quoteBalance(warnings);
      // No price or quote endpoint exists: the price appears only in the order status.
      const quote: VendorQuote = { total_usd: null, price_source: 'unknown', summary: built.summary, warnings };
      if (balance !== undefined) quote.balance_usd = balance;
      return { request: built.request, quote };
    },

    async placeOrder(prepared: PreparedOrder) {
      // The vendor has no idempotency key, so the ledger's key is not sent; the request is sent once.
      const id = await createOrder(http, prepared.request);
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

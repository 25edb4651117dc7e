import type { z } from 'zod';
import { ProxycartError } from '../../errors.js';
import type { Balance, Connection, Order, PreparedOrder, ProviderClient, ReadOptions } from '../types.js';
import { createProxyJamApi, type ProxyJamApi } from './api.js';
import { mapOffer, offersFromCatalog, orderFromResponse, toNumber } from './map.js';
import { prepareFromOffer } from './order-rules.js';
import { balanceSchema, listOffersInput, placeOrderInput, type VendorOffer } from './schemas.js';
import { closest, countryIs } from '../compare.js';
import type { CompareAsk, CompareCandidate } from '../types.js';

const LIST_NOTES = [
  'An option price is taken to be per proxy for its period: an order costs price × quantity (an estimate; ProxyJam has no quote endpoint).',
  'Offers with requires_tarification_index take tarification_index = the 0-based position of the chosen option.',
];

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message));
  throw new ProxycartError('invalid_input', `Invalid arguments: ${problems.join('; ')}.`);
}

function unreadable(what: string): ProxycartError {
  return new ProxycartError('vendor_unavailable', `ProxyJam answered ${what} with a body proxycart cannot read.`);
}

export class ProxyJamClient implements ProviderClient {
  private readonly api: ProxyJamApi;

  constructor(connection: Connection) {
    this.api = createProxyJamApi(connection);
  }

  async listOffers(input: Record<string, unknown>) {
    const query = parseInput(listOffersInput, input);
    const body = await this.api.catalog({ ...query, country: query.country?.toUpperCase() });
    const offers = offersFromCatalog(body);
    if (!offers) throw unreadable('the catalog request');
    return { offers: offers.map(mapOffer), notes: LIST_NOTES };
  }

  async prepareOrder(input: Record<string, unknown>, options?: ReadOptions): Promise<PreparedOrder> {
    const order = parseInput(placeOrderInput, input);
    // ProxyJam documents no single-offer lookup: find the offer in the full catalog.
    const offers = offersFromCatalog(await this.api.catalog({}, options));
    if (!offers) throw unreadable('the catalog request');
    const offer: VendorOffer | undefined = offers.find((candidate) => toNumber(candidate.id) === order.offer_id);
    return prepareFromOffer(offer, order);
  }

  async placeOrder(prepared: PreparedOrder, idempotencyKey: string): Promise<Order> {
    const response = await this.api.createOrder(prepared.request, idempotencyKey);
    const order = orderFromResponse(response.body);
    if (!order) {
      throw new ProxycartError('outcome_unknown', `ProxyJam accepted the order request (HTTP ${response.status}) but its answer holds no order proxycart can read.`);
    }
    return order;
  }

  async orderStatus(orderId: string): Promise<Order> {
    const id = orderId.trim();
    if (!id || id.length > 200) throw new ProxycartError('invalid_input', 'order_id must be the ProxyJam order id (a UUID).');
    let body: unknown;
    try {
      body = await this.api.order(id);
    } catch (error) {
      // ProxyJam answers 403 for an order of another account: for this account it does not exist.
      if (error instanceof ProxycartError && error.details.httpStatus === 403) {
        throw new ProxycartError('not_found', `ProxyJam has no order ${id} in this account (it answered HTTP 403: the order belongs to another account).`, {
          vendorMessage: error.details.vendorMessage,
          httpStatus: 403,
        });
      }
      if (error instanceof ProxycartError && error.kind === 'not_found') {
        throw new ProxycartError('not_found', `ProxyJam has no order ${id}.`, { vendorMessage: error.details.vendorMessage, httpStatus: 404 });
      }
      throw error;
    }
    const order = orderFromResponse(body);
    if (!order) throw unreadable('the order lookup');
    return order;
  }

  compareCandidates(ask: CompareAsk): Promise<CompareCandidate[]> {
    return proxyjamCandidates(this, ask);
  }

  async walletBalance(): Promise<Balance> {
    const parsed = balanceSchema.safeParse(await this.api.walletBalance());
    const balance = parsed.success ? toNumber(parsed.data.balance) : null;
    if (!parsed.success || balance === null) throw unreadable('the balance request');
    return { balance, currency: parsed.data.currency ?? 'USD' };
  }
}

// ---- proxycart_compare_offers: candidate orders from the normalised offer list

async function proxyjamCandidates(client: Pick<ProviderClient, 'listOffers'>, ask: CompareAsk): Promise<CompareCandidate[]> {
  const kind = ask.kind === 'isp' ? 'residential' : ask.kind;
  // The whole catalog, filtered here: the same cached answer list_offers {} and every quote read.
  const { offers } = await client.listOffers({});
  const quantity = ask.quantity ?? 1;
  const out: CompareCandidate[] = [];
  for (const offer of offers) {
    if (offer.kind !== kind || offer.is_available === false || !countryIs(ask.country, offer.country)) continue;
    if (ask.kind === 'isp' && !/\bISP\b/.test(offer.name)) continue;
    const options = (offer.options ?? []) as Array<{ price?: number; period_days?: number; traffic_mb?: number | null }>;
    if (offer.requires_tarification_index) {
      options.forEach((option, index) => {
        const gb = (option.traffic_mb ?? 0) / 1024;
        if (gb <= 0 || (ask.bandwidth_gb && gb < ask.bandwidth_gb)) return;
        out.push({ args: { offer_id: offer.id, quantity, period_days: option.period_days, tarification_index: index }, unit: 'gb', units: gb * quantity, country: offer.country });
      });
      continue;
    }
    const option = closest(options, (o) => o.period_days, ask.period_days ?? 30);
    if (!option?.period_days) continue;
    out.push({ args: { offer_id: offer.id, quantity, period_days: option.period_days }, unit: 'ip_month', units: (quantity * option.period_days) / 30, country: offer.country });
  }
  return out;
}

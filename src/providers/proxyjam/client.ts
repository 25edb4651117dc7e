import { ProxycartError } from '../../errors.js';
import { closest, countryIs } from '../compare.js';
import type { Balance, CompareAsk, CompareCandidate, Connection, Order, PreparedOrder, ProviderClient, UnknownOutcome } from '../types.js';
import { createApi, type ProxyJamApi } from './api.js';
import { mapOffer, offersFromCatalog, orderFromChange, orderFromResponse, toNumber } from './map.js';
import { type OrderFacts, prepareAutoRenew, prepareBandwidth, prepareExtend, prepareFromOffer } from './rules.js';
import { addBandwidthInput, extendOrderInput, type ListOffersInput, type PlaceOrderInput, setAutoRenewInput } from './schemas.js';

const LIST_NOTES = [
  'An option price is taken to be per proxy for its period: an order costs price × quantity (an estimate; ProxyJam has no quote endpoint).',
  'Offers with requires_tarification_index take tarification_index = the 0-based position of the chosen option.',
];

function unreadable(what: string): ProxycartError {
  return new ProxycartError('vendor_unavailable', `ProxyJam answered ${what} with a body proxycart cannot read.`);
}

export function createClient(connection: Connection): ProviderClient<ListOffersInput, PlaceOrderInput> {
  const api = createApi(connection);

  const client: ProviderClient<ListOffersInput, PlaceOrderInput> = {
    async listOffers(query) {
      const offers = offersFromCatalog(await api.catalog({ ...query, country: query.country?.toUpperCase() }));
      if (!offers) throw unreadable('the catalog request');
      return { offers: offers.map(mapOffer), notes: LIST_NOTES };
    },

    async prepareOrder(order, options): Promise<PreparedOrder> {
      // ProxyJam documents no single-offer lookup: find the offer in the full catalog.
      const offers = offersFromCatalog(await api.catalog({}, options));
      if (!offers) throw unreadable('the catalog request');
      return prepareFromOffer(
        offers.find((candidate) => toNumber(candidate.id) === order.offer_id),
        order,
      );
    },

    async placeOrder(prepared, idempotencyKey): Promise<Order> {
      const order = orderFromResponse(await api.createOrder(prepared.request, idempotencyKey));
      if (!order) throw new ProxycartError('outcome_unknown', 'ProxyJam accepted the order request but its answer holds no order proxycart can read.');
      return order;
    },

    async orderStatus(orderId): Promise<Order> {
      const id = orderId.trim();
      if (!id || id.length > 200) throw new ProxycartError('invalid_input', 'order_id must be the ProxyJam order id (a UUID).');
      let body: unknown;
      try {
        body = await api.order(id);
      } catch (error) {
        // ProxyJam answers 403 for an order of another account: for this account it does not
        // exist. Only this lookup knows that; elsewhere a 403 is a permission refusal.
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
    },

    async prepareChange(operation, input, options, hint): Promise<PreparedOrder> {
      // The order as this account sees it (another account's answers not_found), and its offer for the price.
      const read = await client.orderStatus(String(input.order_id));
      // The flat mobile shape names neither its offer nor its tariff: the ledger knows them for orders placed here.
      const order: Order = {
        ...read,
        offer_id: read.offer_id ?? hint?.lookup?.offer_id,
        tarification_index: read.tarification_index ?? hint?.lookup?.tarification_index,
      };
      const offers = offersFromCatalog(await api.catalog({}, options));
      if (!offers) throw unreadable('the catalog request');
      const facts: OrderFacts = {
        order,
        offer: offers.find((candidate) => toNumber(candidate.id) === toNumber(order.offer_id)),
        mobile: order.mobile === true,
      };
      switch (operation) {
        case 'extend_order':
          return prepareExtend(facts, extendOrderInput.parse(input));
        case 'add_bandwidth': {
          // The traffic total now, to tell later whether a top-up that got no answer went through:
          // the flat mobile shape has none, so it is read from a sync (free, slower).
          if (toNumber(order.bandwidth_total_gb) === null) order.bandwidth_total_gb = toNumber((await api.sync(order.id)).bandwidth_total_gb);
          return prepareBandwidth(facts, addBandwidthInput.parse(input));
        }
        case 'set_auto_renew':
          return prepareAutoRenew(facts, setAutoRenewInput.parse(input));
        default:
          throw new ProxycartError('not_supported', `ProxyJam has no ${operation}.`);
      }
    },

    async applyChange(prepared, idempotencyKey): Promise<Order> {
      const { path, json } = prepared.request as { path: string; json: Record<string, unknown> };
      // ProxyJam documents de-duplication by Idempotency-Key for extend; for the other two the
      // header is sent, but the call is never retried blindly.
      const idempotent = prepared.lookup?.operation !== 'add_bandwidth';
      const order = orderFromChange(await api.change(path, json, idempotencyKey, idempotent));
      if (!order) throw new ProxycartError('outcome_unknown', 'ProxyJam accepted the change but its answer holds no order proxycart can read.');
      return order;
    },

    // A top-up that got no answer: the order's traffic tells whether it went through.
    findLostOrder: (unknown) => lostTopUp(api, unknown),

    async walletBalance(): Promise<Balance> {
      const body = await api.walletBalance();
      const balance = toNumber(body.balance);
      if (balance === null) throw unreadable('the balance request');
      return { balance, currency: body.currency ?? 'USD' };
    },

    compareCandidates: (ask: CompareAsk): Promise<CompareCandidate[]> => proxyjamCandidates(client, ask),
  };
  return client;
}

/**
 * `add_bandwidth` recovers by lookup: the order's traffic total grew by the GB asked for →
 * it went through; otherwise it cannot be told (ProxyJam may apply it late), so a person
 * settles it. Nothing is ever sent again.
 */
async function lostTopUp(api: ProxyJamApi, unknown: UnknownOutcome): Promise<Order | null | undefined> {
  const { lookup } = unknown.prepared;
  if (lookup?.operation !== 'add_bandwidth') return undefined;
  const synced = await api.sync(String(lookup.order_id));
  const before = Number(lookup.bandwidth_total_gb);
  const now = toNumber(synced.bandwidth_total_gb);
  if (before >= 0 && now !== null && now >= before + Number(lookup.added_gb)) return orderFromChange(synced);
  return undefined;
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
        out.push({
          args: { offer_id: offer.id, quantity, period_days: option.period_days, tarification_index: index },
          unit: 'gb',
          units: gb * quantity,
          country: offer.country,
        });
      });
      continue;
    }
    const option = closest(options, (o) => o.period_days, ask.period_days ?? 30);
    if (!option?.period_days) continue;
    out.push({
      args: { offer_id: offer.id, quantity, period_days: option.period_days },
      unit: 'ip_month',
      units: (quantity * option.period_days) / 30,
      ips: quantity,
      days: option.period_days,
      country: offer.country,
    });
  }
  return out;
}

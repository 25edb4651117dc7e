import type { z } from 'zod';
import { ProxycartError } from '../../errors.js';
import type { Connection, Order, OrderHint, PreparedOrder, ProviderClient } from '../types.js';
import { createApi, type ProxySellerApi } from './api.js';
import { VENDOR } from './envelope.js';
import { balanceFrom, belongsTo, offersFrom, orderFromItems, orderFromMake, pendingOrder, PRICE_NOTE, proxyItemsByType, proxyItemsOf, quoteFrom, residentOrder } from './map.js';
import { buildRequest, checkAgainstReference, checkFields, summarize } from './order-rules.js';
import { reconcileOrder, proxyTypeOf } from './reconcile.js';
import { parseAllReferences, parseTypeReference } from './reference.js';
import { listOffersInput, placeOrderInput, type ProxyItem, type ProxyType } from './schemas.js';
import { MAX_QUOTE_CALLS, closest, countryIs, daysOf } from '../compare.js';
import type { CompareAsk, CompareCandidate } from '../types.js';

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
  throw new ProxycartError('invalid_input', `Invalid ${VENDOR} arguments: ${problems.join('; ')}.`);
}

/** The newest order id among the type's latest proxies, so reconciliation can tell new orders from old. */
async function newestOrderId(api: ProxySellerApi, type: ProxyType): Promise<number | undefined> {
  try {
    const ids = proxyItemsOf(await api.proxyList(type, { latest: 'Y' }))
      .map((item) => Number(item.order_id))
      .filter(Number.isFinite);
    return ids.length ? Math.max(...ids) : 0;
  } catch {
    // Only reconciliation uses it, and it copes without: never fail a quote for it.
    return undefined;
  }
}

function placedHere(hint: OrderHint | undefined): boolean {
  return hint !== undefined && (hint.lookup !== undefined || (hint.references?.length ?? 0) > 0);
}

export function createClient(connection: Connection): ProviderClient {
  const api = createApi(connection);

  async function findProxies(orderId: string, type: ProxyType | undefined, references: string[]): Promise<[ProxyType | undefined, ProxyItem[]]> {
    if (type) return [type, proxyItemsOf(await api.proxyList(type)).filter((item) => belongsTo(item, orderId, references))];
    // Type unknown (an order placed elsewhere): one call lists every type.
    for (const [listedType, items] of proxyItemsByType(await api.proxyList())) {
      const found = items.filter((item) => belongsTo(item, orderId, references));
      if (found.length) return [listedType, found];
    }
    return [undefined, []];
  }

  return {
    async listOffers(input) {
      const { type } = parseInput(listOffersInput, input);
      const refs = type ? [parseTypeReference(type, await api.referenceList(type))] : parseAllReferences(await api.referenceList());
      const notes = [PRICE_NOTE];
      const offers = offersFrom(refs);
      if (!offers.length) notes.push(`${VENDOR}'s reference listed nothing${type ? ` for type "${type}"` : ''}.`);
      return { offers, notes };
    },

    async prepareOrder(input, options): Promise<PreparedOrder> {
      const order = parseInput(placeOrderInput, input);
      checkFields(order);
      const ref = parseTypeReference(order.type, await api.referenceList(order.type, options));
      checkAgainstReference(order, ref);
      const request = buildRequest(order);
      const quote = quoteFrom(await api.orderCalc(request), summarize(order, ref));
      const lookup: Record<string, string | number> = { type: order.type };
      if (order.type !== 'resident') {
        const known = await newestOrderId(api, order.type);
        if (known !== undefined) lookup.knownOrderId = known;
      }
      return { request, quote, lookup };
    },

    async placeOrder(prepared): Promise<Order> {
      // v1 takes no idempotency key: the one call is sent once and never retried.
      return orderFromMake(await api.orderMake(prepared.request), proxyTypeOf(prepared.lookup?.type));
    },

    async orderStatus(orderId, hint): Promise<Order> {
      const id = orderId.trim();
      if (!id || id.length > 100) throw new ProxycartError('invalid_input', `"${id.slice(0, 40)}" is not a ${VENDOR} order id.`);
      const type = proxyTypeOf(hint?.lookup?.type);
      const references = hint?.references ?? [];
      if (type === 'resident' && placedHere(hint)) return residentOrder(id, references);
      const [foundType, found] = type === 'resident' ? [undefined, []] : await findProxies(id, type, references);
      if (found.length) return orderFromItems(id, found, foundType, references);
      if (placedHere(hint)) return pendingOrder(id, type, references);
      throw new ProxycartError('not_found', `${VENDOR} lists no proxies for order ${id}.`, {
        advice: 'API v1 has no order lookup: an order shows only through its proxies, which appear up to a minute after it is placed. Check the id, or look in the Proxy-Seller dashboard.',
      });
    },

    async walletBalance() {
      return { balance: balanceFrom(await api.balanceGet()), currency: 'USD' };
    },

    findLostOrder: (unknown) => reconcileOrder(api, unknown),

    compareCandidates(ask) {
      return proxysellerCandidates(this, ask);
    },
  };
}

// ---- proxycart_compare_offers: candidate orders from the normalised offer list

const PS_TYPES: Record<CompareAsk['kind'], string> = { datacenter: 'ipv4', isp: 'isp', mobile: 'mobile', residential: 'resident' };

async function proxysellerCandidates(client: Pick<ProviderClient, 'listOffers'>, ask: CompareAsk): Promise<CompareCandidate[]> {
  const type = PS_TYPES[ask.kind];
  const { offers } = await client.listOffers({ type });
  const quantity = ask.quantity ?? 1;
  const out: CompareCandidate[] = [];
  if (type === 'resident') {
    const sized = offers
      .map((offer) => ({ offer, gb: Number(/(\d+(?:\.\d+)?)\s*GB/i.exec(offer.name)?.[1] ?? NaN) }))
      .filter((t) => Number.isFinite(t.gb) && (!ask.bandwidth_gb || t.gb >= ask.bandwidth_gb))
      .sort((a, b) => a.gb - b.gb);
    // With an amount asked, the smallest packages that hold it; otherwise every size.
    for (const { offer, gb } of ask.bandwidth_gb ? sized.slice(0, 2) : sized) {
      out.push({ args: { type, tarifId: offer.tarifId }, unit: 'gb', units: gb, country: null });
    }
    return out.slice(0, MAX_QUOTE_CALLS);
  }
  for (const offer of offers.filter((o) => countryIs(ask.country, o.country, o.name))) {
    const periods = (offer.options ?? []) as Array<{ periodId: string }>;
    const period = closest(periods, (p) => daysOf(p.periodId), ask.period_days ?? 30);
    const days = period ? daysOf(period.periodId) : undefined;
    const sizes = Array.isArray(offer.quantities) ? (offer.quantities as number[]) : undefined;
    const amount = sizes ? sizes.find((n) => n >= quantity) : quantity;
    if (!period || !days || amount === undefined) continue;
    const args: Record<string, unknown> = { type, countryId: offer.countryId, periodId: period.periodId, quantity: amount };
    if (type === 'mobile') {
      const operator = (offer.operators as Array<{ operatorId: string; mobileServiceType: string; rotations: Array<{ rotationId: number }> }> | undefined)?.find(
        (op) => op.rotations.length > 0,
      );
      if (!operator) continue;
      Object.assign(args, { mobileServiceType: operator.mobileServiceType, operatorId: operator.operatorId, rotationId: operator.rotations[0]!.rotationId });
    }
    out.push({ args, unit: 'ip_month', units: (amount * days) / 30, country: typeof offer.country === 'string' ? offer.country : null });
  }
  return out.slice(0, MAX_QUOTE_CALLS);
}

import { ProxycartError } from '../../errors.js';
import { closest, countryIs, daysOf } from '../compare.js';
import type { CompareAsk, CompareCandidate, Connection, Order, ProviderClient, ReadOptions, UnknownOutcome } from '../types.js';
import type { VendorOrder, VendorPlan } from './api.js';
import { createApi } from './api.js';
import { offerNotes, orderFromVendor, planToOffer } from './map.js';
import { prepareAgainstPlan } from './rules.js';
import type { ListOffersInput, PlaceOrderInput } from './schemas.js';

// NovaProxy's operations: the endpoints (api.ts), translated (map.ts), orders checked against
// the plan's rules (rules.ts). Inputs arrive parsed by the server with the spec's schemas.

export function createClient(connection: Connection): ProviderClient<ListOffersInput, PlaceOrderInput> {
  const api = createApi(connection);

  /** The order with its proxies; reads the plan's ports when the order's own plan lacks them. */
  async function normalise(order: VendorOrder, lookup?: Record<string, string | number>): Promise<Order> {
    const needsPorts = Boolean(order.username && order.password) && !order.plan?.protocols?.length;
    const slug = order.plan?.slug ?? (typeof lookup?.plan === 'string' ? lookup.plan : undefined);
    let fallback: Array<{ code: string; port: number }> = [];
    if (needsPorts && slug) {
      try {
        fallback = (await api.getPlan(slug)).protocols ?? [];
      } catch {
        // Ports are a convenience; the order itself is still reported.
      }
    }
    return orderFromVendor(order, fallback);
  }

  const client: ProviderClient<ListOffersInput, PlaceOrderInput> = {
    async listOffers({ plan }) {
      const plans = plan ? [await api.getPlan(plan)] : await api.listPlans();
      return { offers: plans.map(planToOffer), notes: offerNotes(plans) };
    },

    async prepareOrder(input, options?: ReadOptions) {
      let plan: VendorPlan;
      try {
        plan = await api.getPlan(input.plan, options);
      } catch (error) {
        // The vendor's own answer to an order for a plan it does not have.
        if (error instanceof ProxycartError && error.kind === 'not_found') {
          throw new ProxycartError('invalid_input', `Plan '${input.plan}' not found.`, { advice: 'Call list_offers to see the plan slugs.' });
        }
        throw error;
      }
      return prepareAgainstPlan(input, plan);
    },

    async placeOrder(prepared) {
      // NovaProxy takes no idempotency key: the key is not sent and the call is made once.
      return normalise(await api.createOrder(prepared.request), prepared.lookup);
    },

    async orderStatus(orderId, hint) {
      let order: VendorOrder;
      try {
        order = await api.getOrder(orderId);
      } catch (error) {
        // Kept here, not in errors.ts: the advice depends on the order id asked for, which
        // the error table (it sees only the vendor's answer) cannot know.
        if (error instanceof ProxycartError && error.kind === 'not_found') {
          throw new ProxycartError('not_found', `NovaProxy has no order '${orderId.slice(0, 80)}'.`, {
            vendorMessage: error.details.vendorMessage,
            httpStatus: 404,
            advice: /^\d+$/.test(orderId)
              ? 'NovaProxy looks orders up by uuid; numeric order ids are no longer accepted.'
              : 'Check the order uuid returned when the order was placed.',
          });
        }
        throw error;
      }
      return normalise(order, hint?.lookup);
    },

    async findLostOrder(unknown: UnknownOutcome) {
      const result = findPlacedOrder(await api.listOrders(), unknown.prepared.request, unknown.sentAt, unknown.knownOrderIds);
      if (result.kind === 'found') return normalise(result.order, unknown.prepared.lookup);
      if (result.kind === 'ambiguous') return undefined;
      // The list is complete, but a request still being processed may not show yet.
      const settle = Math.max(SETTLE_MS, 2 * 2 * connection.timeoutMs);
      return Date.now() - unknown.sentAt >= settle ? null : undefined;
    },

    compareCandidates: (ask) => novaproxyCandidates(client, ask),
  };
  return client;
}

// ---- findLostOrder: finding an order whose POST /orders got no answer. NovaProxy has no
// idempotency key and no client reference on orders, so the only evidence is its complete order
// list (GET /orders, newest first, not paginated): an order of the same plan (and bandwidth)
// created after the request was sent.

/** Allowance for the vendor's clock running behind ours when comparing created_at with sentAt. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * How long after sending we wait before saying "not placed": a request the vendor is still
 * working on may not be in the list yet. Web stacks cut requests off well within two minutes.
 */
export const SETTLE_MS = 120_000;

export type MatchResult = { kind: 'found'; order: VendorOrder } | { kind: 'none' } | { kind: 'ambiguous'; reason: string };

const GIB = 1024 ** 3;
const GB = 1000 ** 3;

function sameBandwidth(order: VendorOrder, gigabytes: number): boolean {
  const bytes = order.initial_bandwidth_in_bytes;
  // Without a byte count the order cannot be ruled out.
  if (bytes === null || bytes === undefined) return true;
  // The current docs count 1 GB as 2^30 bytes, an older page as 10^9: accept both.
  return bytes === gigabytes * GIB || bytes === gigabytes * GB;
}

export function findPlacedOrder(orders: VendorOrder[], request: Record<string, unknown>, sentAt: number, knownOrderIds: readonly string[] = []): MatchResult {
  const since = sentAt - CLOCK_SKEW_MS;
  const matches: VendorOrder[] = [];
  for (const order of orders) {
    // Orders already recorded for other approvals (placed moments before, within the skew) are not ours.
    if (knownOrderIds.includes(order.uuid)) continue;
    const created = order.created_at ? Date.parse(order.created_at) : Number.NaN;
    const slug = order.plan?.slug;
    if (Number.isNaN(created) || !slug) {
      // An order we cannot date or place on a plan could be ours: that is not a clear "no".
      return { kind: 'ambiguous', reason: 'an order in the list has no readable plan or creation time' };
    }
    if (created < since || slug !== request.plan) continue;
    if (typeof request.bandwidth === 'number' && !sameBandwidth(order, request.bandwidth)) continue;
    matches.push(order);
  }
  if (matches.length === 1) return { kind: 'found', order: matches[0] };
  if (matches.length > 1) return { kind: 'ambiguous', reason: `${matches.length} orders of plan ${String(request.plan)} were created since the request` };
  return { kind: 'none' };
}

// ---- proxycart_compare_offers: candidate orders from the normalised offer list

interface NovaDuration {
  slug: string;
  options: Array<{ name: string; type?: string | null; min?: number; options?: Array<{ value: string | number; label: string }> }>;
}

async function novaproxyCandidates(client: Pick<ProviderClient<ListOffersInput>, 'listOffers'>, ask: CompareAsk): Promise<CompareCandidate[]> {
  const { offers } = await client.listOffers({});
  const out: CompareCandidate[] = [];
  for (const offer of offers.filter((o) => o.kind === ask.kind)) {
    if (offer.plan_type === 'bandwidth') {
      const smallest = Number(offer.min_bandwidth_gb ?? 1);
      const gb = Math.max(ask.bandwidth_gb ?? smallest, smallest);
      out.push({ args: { plan: offer.id, bandwidth: gb }, unit: 'gb', units: gb, country: ask.country?.toUpperCase() ?? null });
      continue;
    }
    // A duration plan is one access per order: it answers a request for one IP only.
    if ((ask.quantity ?? 1) > 1) continue;
    const duration = closest((offer.options ?? []) as NovaDuration[], (d) => daysOf(d.slug), ask.period_days ?? 30);
    const days = duration ? daysOf(duration.slug) : undefined;
    if (!duration || !days) continue;
    const config = novaConfig(duration, ask.country);
    if (!config) continue;
    out.push({
      args: { plan: offer.id, duration: duration.slug, ...(Object.keys(config.values).length ? { config: config.values } : {}) },
      unit: 'ip_month',
      units: days / 30,
      ips: 1,
      days,
      country: config.country,
    });
  }
  return out;
}

/** The smallest configuration of a duration: minimum amounts and the asked country; a plan bound to a country is skipped when none is asked. */
function novaConfig(duration: NovaDuration, country: string | undefined): { values: Record<string, string | number>; country: string | null } | undefined {
  const values: Record<string, string | number> = {};
  let chosen: string | null = null;
  for (const option of duration.options) {
    if (option.options?.length) {
      const pick = country
        ? option.options.find((o) => countryIs(country, String(o.value), o.label))
        : option.name === 'country'
          ? undefined
          : option.options[0];
      if (!pick) return undefined;
      values[option.name] = pick.value;
      if (option.name === 'country') chosen = country!.toUpperCase();
    } else if (typeof option.min === 'number') {
      values[option.name] = option.min;
    } else {
      return undefined;
    }
  }
  return { values, country: chosen };
}

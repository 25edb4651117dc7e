import type { z } from 'zod';
import { ProxycartError } from '../../errors.js';
import type { Connection, Order, OrderHint, PreparedOrder, ProviderClient, ReadOptions, UnknownOutcome } from '../types.js';
import { createApi, type NovaProxyApi } from './api.js';
import { offerNotes, orderFromVendor, planToOffer } from './map.js';
import { SETTLE_MS, findPlacedOrder } from './order-match.js';
import { prepareAgainstPlan } from './order-rules.js';
import {
  listOffersInput,
  orderBodySchema,
  orderListSchema,
  placeOrderInput,
  planBodySchema,
  planListSchema,
  type VendorOrder,
  type VendorPlan,
} from './schemas.js';
import { closest, countryIs, daysOf } from '../compare.js';
import type { CompareAsk, CompareCandidate } from '../types.js';

function unexpectedShape(what: string): ProxycartError {
  return new ProxycartError('vendor_unavailable', `NovaProxy answered ${what} in a shape proxycart does not know.`);
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ProxycartError('invalid_input', `${where}${issue.message}`);
}

class NovaProxyClient implements ProviderClient {
  constructor(
    private readonly api: NovaProxyApi,
    private readonly connection: Connection,
  ) {}

  private async plan(slug: string, options?: ReadOptions): Promise<VendorPlan> {
    const parsed = planBodySchema.safeParse(await this.api.getPlan(slug, options));
    if (!parsed.success) throw unexpectedShape(`plan '${slug}'`);
    return parsed.data;
  }

  async listOffers(input: Record<string, unknown>) {
    const { plan } = parseInput(listOffersInput, input);
    let plans: VendorPlan[];
    if (plan) {
      plans = [await this.plan(plan)];
    } else {
      const parsed = planListSchema.safeParse(await this.api.listPlans());
      if (!parsed.success) throw unexpectedShape('the plan list');
      plans = parsed.data;
    }
    return { offers: plans.map(planToOffer), notes: offerNotes(plans) };
  }

  async prepareOrder(input: Record<string, unknown>, options?: ReadOptions): Promise<PreparedOrder> {
    const order = parseInput(placeOrderInput, input);
    let plan: VendorPlan;
    try {
      plan = await this.plan(order.plan, options);
    } catch (error) {
      // The vendor's own answer to an order for a plan it does not have.
      if (error instanceof ProxycartError && error.kind === 'not_found') {
        throw new ProxycartError('invalid_input', `Plan '${order.plan}' not found.`, { advice: 'Call list_offers to see the plan slugs.' });
      }
      throw error;
    }
    return prepareAgainstPlan(order, plan);
  }

  async placeOrder(prepared: PreparedOrder): Promise<Order> {
    // NovaProxy takes no idempotency key: the key is not sent and the call is made once.
    const body = await this.api.createOrder(prepared.request);
    const parsed = orderBodySchema.safeParse(body);
    if (!parsed.success) {
      // A 2xx means the vendor took the order (and the money); only its answer is unreadable.
      throw new ProxycartError('outcome_unknown', 'NovaProxy accepted the order but its answer could not be read; the order is likely placed.');
    }
    return this.normalise(parsed.data, prepared.lookup);
  }

  async orderStatus(orderId: string, hint?: OrderHint): Promise<Order> {
    let body: unknown;
    try {
      body = await this.api.getOrder(orderId);
    } catch (error) {
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
    const parsed = orderBodySchema.safeParse(body);
    if (!parsed.success) throw unexpectedShape(`order '${orderId.slice(0, 80)}'`);
    return this.normalise(parsed.data, hint?.lookup);
  }

  compareCandidates(ask: CompareAsk): Promise<CompareCandidate[]> {
    return novaproxyCandidates(this, ask);
  }

  async findLostOrder(unknown: UnknownOutcome): Promise<Order | null | undefined> {
    const parsed = orderListSchema.safeParse(await this.api.listOrders());
    if (!parsed.success) return undefined;
    const result = findPlacedOrder(parsed.data, unknown.prepared.request, unknown.sentAt, unknown.knownOrderIds);
    if (result.kind === 'found') return this.normalise(result.order, unknown.prepared.lookup);
    if (result.kind === 'ambiguous') return undefined;
    // The list is complete, but a request still being processed may not show yet.
    const settle = Math.max(SETTLE_MS, 2 * 2 * this.connection.timeoutMs);
    return Date.now() - unknown.sentAt >= settle ? null : undefined;
  }

  /** The order with its proxies; reads the plan's ports when the order's own plan lacks them. */
  private async normalise(order: VendorOrder, lookup?: Record<string, string | number>): Promise<Order> {
    const needsPorts = Boolean(order.username && order.password) && !order.plan?.protocols?.length;
    const slug = order.plan?.slug ?? (typeof lookup?.plan === 'string' ? lookup.plan : undefined);
    let fallback: Array<{ code: string; port: number }> = [];
    if (needsPorts && slug) {
      try {
        fallback = (await this.plan(slug)).protocols ?? [];
      } catch {
        // Ports are a convenience; the order itself is still reported.
      }
    }
    return orderFromVendor(order, fallback);
  }
}

export function createClient(connection: Connection): ProviderClient {
  return new NovaProxyClient(createApi(connection), connection);
}

// ---- proxycart_compare_offers: candidate orders from the normalised offer list

interface NovaDuration {
  slug: string;
  options: Array<{ name: string; type?: string | null; min?: number; options?: Array<{ value: string | number; label: string }> }>;
}

async function novaproxyCandidates(client: Pick<ProviderClient, 'listOffers'>, ask: CompareAsk): Promise<CompareCandidate[]> {
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
      const pick = country ? option.options.find((o) => countryIs(country, String(o.value), o.label)) : option.name === 'country' ? undefined : option.options[0];
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

import { z } from 'zod';
import { asProxycartError, ProxycartError } from '../errors.js';
import { nameKey, resolveCountry } from '../providers/proxyscrape/country.js';
import type { Offer, ProviderClient, ProviderId, ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import type { ToolDefinition } from './define.js';

// proxycart_compare_offers: one question ("the cheapest residential GB in the US?") asked of
// every enabled vendor. Each vendor's catalog (cached) gives a few candidate orders; each
// candidate is priced by that vendor's own quote path — the very prepareOrder that
// place_order runs, so `buy` is known to be valid and `total_usd` is what the quote will say.
// For Proxy-Seller that is its free order/calc, so those calls are bounded in number.

export const KINDS = ['residential', 'datacenter', 'mobile', 'isp'] as const;
type Kind = (typeof KINDS)[number];

/** Candidates priced per vendor, and Proxy-Seller order/calc calls per comparison. */
const MAX_CANDIDATES = 6;
const MAX_QUOTE_CALLS = 4;

// tools/list is paid for in every conversation: bounds beyond `minimum` are checked in
// code, and the output schema names `offers` only (`not_priced` and `unavailable` are
// documented in the README and always present).
const whole = z.number().int().min(1);
export const compareInput = z
  .object({
    kind: z.enum(KINDS),
    country: z.string().max(20).optional().describe('ISO alpha-2'),
    bandwidth_gb: whole.optional(),
    quantity: whole.optional(),
    period_days: whole.optional(),
  })
  .strict();
type Ask = z.infer<typeof compareInput>;

export const compareOutput = z.object({ offers: z.array(z.looseObject({})) });

const LIMITS = { bandwidth_gb: 100_000, quantity: 1000, period_days: 3650 } as const;

function checkAsk(ask: Ask): void {
  if (ask.country !== undefined && !/^[A-Za-z]{2}$/.test(ask.country)) throw new ProxycartError('invalid_input', 'country must be an ISO alpha-2 code such as US.');
  for (const [field, max] of Object.entries(LIMITS)) {
    const value = ask[field as keyof typeof LIMITS];
    if (value !== undefined && value > max) throw new ProxycartError('invalid_input', `${field} must be at most ${max}.`);
  }
}

/** A candidate order: the place_order arguments and how many units (GB, or IP-months) it buys. */
interface Candidate {
  args: Record<string, unknown>;
  unit: 'gb' | 'ip_month';
  units: number;
  country: string | null;
}

export interface ComparedOffer {
  provider: ProviderId;
  description: string;
  country: string | null;
  price_per_gb_usd?: number;
  price_per_ip_month_usd?: number;
  total_usd: number;
  price_source: string;
  buy: { tool: string; arguments: Record<string, unknown> };
}

const round = (value: number, places = 4) => Math.round(value * 10 ** places) / 10 ** places;

/** Whether a vendor's country (code, alpha-3 or name, or an offer name ending in it) is the asked alpha-2. */
function countryIs(asked: string | undefined, ...values: Array<string | null | undefined>): boolean {
  if (!asked) return true;
  const code = asked.toUpperCase();
  const name = resolveCountry(code)?.name;
  return values.some((value) => {
    if (!value) return false;
    if (value.toUpperCase() === code || resolveCountry(value)?.code === code) return true;
    return name !== undefined && nameKey(value).endsWith(nameKey(name));
  });
}

/** Days in a vendor period id or slug: "1m", "2w", "30_days", "1_week". */
function daysOf(period: string): number | undefined {
  const match = /^(\d+)[_ ]?(d|day|days|w|week|weeks|m|month|months|y|year|years|minute|minutes|hour|hours)$/i.exec(period.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2]!.toLowerCase()[0];
  if (/minute|hour/i.test(match[2]!)) return n / (/minute/i.test(match[2]!) ? 1440 : 24);
  return n * (unit === 'd' ? 1 : unit === 'w' ? 7 : unit === 'm' ? 30 : 365);
}

function closest<T>(items: T[], days: (item: T) => number | undefined, want: number): T | undefined {
  let best: T | undefined;
  let gap = Infinity;
  for (const item of items) {
    const d = days(item);
    if (d === undefined) continue;
    if (Math.abs(d - want) < gap) [best, gap] = [item, Math.abs(d - want)];
  }
  return best;
}

// ---- candidates per vendor, from its normalised list_offers answer -----------------------

async function proxyjamCandidates(client: ProviderClient, ask: Ask): Promise<Candidate[]> {
  const kind = ask.kind === 'isp' ? 'residential' : ask.kind;
  // The whole catalog, filtered here: the same cached answer list_offers {} and every quote read.
  const { offers } = await client.listOffers({});
  const quantity = ask.quantity ?? 1;
  const out: Candidate[] = [];
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

interface NovaDuration {
  slug: string;
  options: Array<{ name: string; type?: string | null; min?: number; options?: Array<{ value: string | number; label: string }> }>;
}

async function novaproxyCandidates(client: ProviderClient, ask: Ask): Promise<Candidate[]> {
  const { offers } = await client.listOffers({});
  const out: Candidate[] = [];
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

const PS_TYPES: Record<Kind, string> = { datacenter: 'ipv4', isp: 'isp', mobile: 'mobile', residential: 'resident' };

async function proxysellerCandidates(client: ProviderClient, ask: Ask): Promise<Candidate[]> {
  const type = PS_TYPES[ask.kind];
  const { offers } = await client.listOffers({ type });
  const quantity = ask.quantity ?? 1;
  const out: Candidate[] = [];
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

const CANDIDATES: Partial<Record<ProviderId, (client: ProviderClient, ask: Ask) => Promise<Candidate[]>>> = {
  proxyjam: proxyjamCandidates,
  novaproxy: novaproxyCandidates,
  proxyseller: proxysellerCandidates,
};

// ---- pricing -----------------------------------------------------------------------------

/** The vendor's priced offers, and the place_order arguments of matching ones it gives no price for. */
async function compareVendor(spec: ProviderSpec, client: ProviderClient, ask: Ask): Promise<{ offers: ComparedOffer[]; unpriced: Array<Record<string, unknown>> }> {
  const candidates = (await CANDIDATES[spec.id]!(client, ask)).slice(0, MAX_CANDIDATES);
  const unpriced: Array<Record<string, unknown>> = [];
  const priced = await Promise.all(
    candidates.map(async (candidate): Promise<ComparedOffer | undefined> => {
      let prepared;
      try {
        prepared = await client.prepareOrder(candidate.args);
      } catch (error) {
        const kind = asProxycartError(error).kind;
        // The vendor refused this one choice: leave it out. Anything else is the vendor's state.
        if (kind === 'invalid_input' || kind === 'vendor_error' || kind === 'not_found') return undefined;
        throw error;
      }
      const total = prepared.quote.total_usd;
      if (prepared.quote.blocking) return undefined;
      if (total === null || !(total > 0)) {
        unpriced.push(candidate.args);
        return undefined;
      }
      const per = round(total / candidate.units);
      return {
        provider: spec.id,
        description: prepared.quote.summary,
        country: candidate.country,
        ...(candidate.unit === 'gb' ? { price_per_gb_usd: per } : { price_per_ip_month_usd: per }),
        total_usd: total,
        price_source: prepared.quote.price_source,
        buy: { tool: `${spec.id}_place_order`, arguments: candidate.args },
      };
    }),
  );
  return { offers: priced.filter((offer): offer is ComparedOffer => offer !== undefined), unpriced };
}

function withDeadline<T>(work: Promise<T>, ms: number, vendor: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${vendor} did not answer within ${Math.round(ms / 1000)} s.`), { kind: 'vendor_unavailable' })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function compareOffersTool(runtime: Runtime): ToolDefinition {
  const { config } = runtime;
  return {
    name: 'proxycart_compare_offers',
    title: 'Compare offers',
    description: 'Offers across vendors, cheapest first, per GB or IP-month, each with the place_order call to buy it.',
    effect: 'read',
    input: compareInput,
    output: compareOutput,
    async handler(args) {
      const ask = args as Ask;
      checkAsk(ask);
      const offers: ComparedOffer[] = [];
      const notPriced: Array<Record<string, unknown>> = [];
      const unavailable: Array<Record<string, unknown>> = [];
      await Promise.all(
        runtime.providers.map(async (spec) => {
          if (!CANDIDATES[spec.id] || spec.capabilities.quote === 'unknown') {
            notPriced.push({ provider: spec.id, reason: `${spec.title} publishes no prices: the price is known only after ordering.` });
            return;
          }
          try {
            const client = await runtime.client(spec.id);
            const found = await withDeadline(compareVendor(spec, client, ask), config.timeoutMs * 2, spec.title);
            offers.push(...found.offers);
            if (found.unpriced.length) {
              notPriced.push({ provider: spec.id, reason: `${spec.title} gives no price for these before ordering.`, buy: found.unpriced.map((a) => ({ tool: `${spec.id}_place_order`, arguments: a })) });
            }
          } catch (error) {
            const kind = (error as { kind?: string }).kind ?? asProxycartError(error).kind;
            unavailable.push({ provider: spec.id, error: kind, message: (error as Error).message?.slice(0, 200) });
          }
        }),
      );
      offers.sort((a, b) => a.total_usd - b.total_usd || a.provider.localeCompare(b.provider));
      return { sandbox: config.sandbox, kind: ask.kind, offers, not_priced: notPriced, unavailable };
    },
  };
}

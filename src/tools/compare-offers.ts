import * as z from 'zod';
import { asProxycartError, ProxycartError, parseArguments } from '../errors.js';
import { roundCents } from '../money.js';
import { MAX_CANDIDATES } from '../providers/compare.js';
import { alpha2Of, resolveCountry } from '../providers/countries.js';
import type { CompareCandidate, PreparedOrder, ProviderClient, ProviderId, ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { defineTool, identityKey, type ToolDefinition } from './define.js';

// proxycart_compare_offers: one question ("the cheapest residential GB in the US?") asked of
// every enabled vendor. Each vendor's catalog (cached) gives a few candidate orders; each
// candidate is priced by that vendor's own quote path — the very prepareOrder that
// place_order runs, so `buy` is known to be valid and `total_usd` is what the quote will say.
// Where that is a request to the vendor (a free price calculation), the calls are bounded in number.

export const KINDS = ['residential', 'datacenter', 'mobile', 'isp'] as const;

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

/** The ask as the vendors get it: bounds checked, the country as its ISO 3166-1 alpha-2 code. */
function checkAsk(ask: Ask): Ask {
  for (const [field, max] of Object.entries(LIMITS)) {
    const value = ask[field as keyof typeof LIMITS];
    if (value !== undefined && value > max) throw new ProxycartError('invalid_input', `${field} must be at most ${max}.`);
  }
  if (ask.country === undefined) return ask;
  const code = /^[A-Za-z]{2}$/.test(ask.country) ? resolveCountry(ask.country)?.code : undefined;
  if (!code) throw new ProxycartError('invalid_input', 'country must be an ISO 3166-1 alpha-2 code such as US.');
  return { ...ask, country: code };
}

type Unit = CompareCandidate['unit'];

export interface ComparedOffer {
  provider: ProviderId;
  description: string;
  /** ISO 3166-1 alpha-2, or null when the offer names none (or one we cannot read). */
  country: string | null;
  /** Offers are ranked only against offers of the same unit: a GB and an IP-month are not comparable. */
  unit: Unit;
  rank?: number;
  price_per_gb_usd?: number;
  price_per_ip_month_usd?: number;
  /** What total_usd buys: GB, or IPs for days. */
  amount: { gb: number } | { ips: number; days: number };
  total_usd: number;
  /** Why total_usd does not price exactly the amount asked, when it does not. */
  amount_note?: string;
  price_source: string;
  /** Whether the per-order cap and the 24-hour budget left allow it; null when the budget could not be read. */
  within_caps: boolean | null;
  caps_reason?: string;
  buy: { tool: string; arguments: Record<string, unknown> };
}

const round = (value: number, places = 4) => Math.round(value * 10 ** places) / 10 ** places;

// ---- pricing -----------------------------------------------------------------------------

/** The vendor's priced offers, and the place_order arguments of matching ones it gives no price for. */
async function compareVendor(
  spec: ProviderSpec,
  client: ProviderClient,
  ask: Ask,
): Promise<{ offers: ComparedOffer[]; unpriced: Array<Record<string, unknown>> }> {
  const candidates = (await client.compareCandidates!(ask)).slice(0, MAX_CANDIDATES);
  // A candidate is parsed as place_order's input would be (the client takes parsed input only).
  const orderInput = spec.placeOrderInput.strict();
  const unpriced: Array<Record<string, unknown>> = [];
  const priced = await Promise.all(
    candidates.map(async (candidate): Promise<ComparedOffer | undefined> => {
      let prepared: PreparedOrder;
      try {
        prepared = await client.prepareOrder(parseArguments(orderInput, candidate.args));
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
      const note = amountNote(candidate, ask);
      return {
        provider: spec.id,
        description: prepared.quote.summary,
        country: alpha2Of(candidate.country) ?? null,
        unit: candidate.unit,
        ...(candidate.unit === 'gb' ? { price_per_gb_usd: per } : { price_per_ip_month_usd: per }),
        amount: candidate.unit === 'gb' ? { gb: candidate.units } : { ips: candidate.ips ?? 1, days: candidate.days ?? Math.round(candidate.units * 30) },
        total_usd: total,
        ...(note ? { amount_note: note } : {}),
        price_source: prepared.quote.price_source,
        within_caps: null,
        buy: { tool: `${spec.id}_place_order`, arguments: candidate.args },
      };
    }),
  );
  return { offers: priced.filter((offer): offer is ComparedOffer => offer !== undefined), unpriced };
}

/** Why a candidate's total is not the price of exactly what was asked; undefined when it is. */
function amountNote(candidate: CompareCandidate, ask: Ask): string | undefined {
  const notes: string[] = [];
  if (candidate.unit === 'gb') {
    if (ask.bandwidth_gb !== undefined && candidate.units !== ask.bandwidth_gb) {
      notes.push(`the vendor sells this in fixed amounts (or from a minimum): total_usd is for ${candidate.units} GB, not the ${ask.bandwidth_gb} GB asked`);
    }
  } else {
    if (ask.bandwidth_gb !== undefined) notes.push('priced per IP, not per GB: bandwidth_gb does not apply to it');
    if (ask.quantity !== undefined && candidate.ips !== undefined && candidate.ips !== ask.quantity) {
      notes.push(`the vendor sells it in fixed quantities: total_usd is for ${candidate.ips} IPs, not the ${ask.quantity} asked`);
    }
    if (ask.period_days !== undefined && candidate.days !== undefined && candidate.days !== ask.period_days) {
      notes.push(`the nearest period the vendor sells is ${candidate.days} days, not the ${ask.period_days} asked`);
    }
  }
  return notes.length ? `${notes.join('; ')}.` : undefined;
}

/**
 * The 24-hour budget left to this caller in this book (sandbox or live): the server's budget
 * and, for an authenticated client with a budget of its own, the smaller of the two. The
 * one place compare_offers reads the ledger.
 */
async function budgetLeft(runtime: Runtime, identity: string | undefined): Promise<number> {
  const { config } = runtime;
  const spent = await (await runtime.ledger()).spending(config.sandbox, identity);
  let left = config.dailyBudgetUsd - spent.total;
  if (spent.identity && config.identityBudgetUsd !== undefined) left = Math.min(left, config.identityBudgetUsd - spent.identity.spent);
  return Math.max(0, roundCents(left));
}

/** Whether the caps allow `total`, and why not when they do not (the policy checks the same at quote time). */
function capsCheck(total: number, maxOrderUsd: number, left: number | string): Pick<ComparedOffer, 'within_caps' | 'caps_reason'> {
  if (total > maxOrderUsd) return { within_caps: false, caps_reason: `over the per-order cap of ${maxOrderUsd.toFixed(2)} USD (PROXYCART_MAX_ORDER_USD)` };
  if (typeof left === 'string') return { within_caps: null, caps_reason: left };
  if (total > left + 1e-9) return { within_caps: false, caps_reason: `over the ${left.toFixed(2)} USD left of the 24-hour budget` };
  return { within_caps: true };
}

/**
 * Each unit's offers together, the asked unit first; within a unit, offers that price exactly
 * the amount asked before those that cannot, each cheapest per unit first; ranked 1… per unit.
 */
function ranked(offers: ComparedOffer[], ask: Ask): ComparedOffer[] {
  const first: Unit = ask.bandwidth_gb === undefined && (ask.quantity !== undefined || ask.period_days !== undefined) ? 'ip_month' : 'gb';
  const perUnit = (o: ComparedOffer) => o.price_per_gb_usd ?? o.price_per_ip_month_usd ?? 0;
  const sorted = [...offers].sort(
    (a, b) =>
      Number(a.unit !== first) - Number(b.unit !== first) ||
      a.unit.localeCompare(b.unit) ||
      Number(a.amount_note !== undefined) - Number(b.amount_note !== undefined) ||
      perUnit(a) - perUnit(b) ||
      a.total_usd - b.total_usd ||
      a.provider.localeCompare(b.provider),
  );
  return sorted.map((offer, i) => ({ ...offer, rank: i + 1 - sorted.findIndex((o) => o.unit === offer.unit) }));
}

function withDeadline<T>(work: Promise<T>, ms: number, vendor: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${vendor} did not answer within ${Math.round(ms / 1000)} s.`), { kind: 'vendor_unavailable' })),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function compareOffersTool(runtime: Runtime): ToolDefinition {
  const { config } = runtime;
  return defineTool({
    name: 'proxycart_compare_offers',
    title: 'Compare offers',
    description:
      'Offers across vendors, ranked by price per GB or per IP-month (never one against the other), each with whether the caps allow it and the place_order call to buy it.',
    effect: 'read',
    input: compareInput,
    output: compareOutput,
    async handler(input, call) {
      const ask = checkAsk(input);
      // Read alongside the vendors; a store that cannot be read leaves the budget unknown, not the comparison.
      const left = budgetLeft(runtime, identityKey(call.identity)).catch(
        (error: unknown) => `the 24-hour budget left could not be read (${asProxycartError(error).kind}): the quote will check it`,
      );
      const offers: ComparedOffer[] = [];
      const notPriced: Array<Record<string, unknown>> = [];
      const unavailable: Array<Record<string, unknown>> = [];
      await Promise.all(
        runtime.providers.map(async (spec) => {
          if (spec.capabilities.quote === 'unknown') {
            notPriced.push({ provider: spec.id, reason: `${spec.title} publishes no prices: the price is known only after ordering.` });
            return;
          }
          try {
            const client = await runtime.client(spec.id);
            if (!client.compareCandidates) {
              notPriced.push({ provider: spec.id, reason: `${spec.title} cannot be compared: proxycart knows no candidate orders for it.` });
              return;
            }
            const found = await withDeadline(compareVendor(spec, client, ask), config.timeoutMs * 2, spec.title);
            offers.push(...found.offers);
            if (found.unpriced.length) {
              notPriced.push({
                provider: spec.id,
                reason: `${spec.title} gives no price for these before ordering.`,
                buy: found.unpriced.map((a) => ({ tool: `${spec.id}_place_order`, arguments: a })),
              });
            }
          } catch (error) {
            const kind = (error as { kind?: string }).kind ?? asProxycartError(error).kind;
            unavailable.push({ provider: spec.id, error: kind, message: (error as Error).message?.slice(0, 200) });
          }
        }),
      );
      const budget = await left;
      const checked = offers.map((offer) => ({ ...offer, ...capsCheck(offer.total_usd, config.maxOrderUsd, budget) }));
      return {
        sandbox: config.sandbox,
        kind: ask.kind,
        ...(ask.country ? { country: ask.country } : {}),
        max_order_usd: config.maxOrderUsd,
        budget_left_usd: typeof budget === 'number' ? budget : null,
        offers: ranked(checked, ask),
        not_priced: notPriced,
        unavailable,
      };
    },
  });
}

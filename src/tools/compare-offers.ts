import * as z from 'zod';
import { asProxycartError, ProxycartError, parseArguments } from '../errors.js';
import { MAX_CANDIDATES } from '../providers/compare.js';
import type { PreparedOrder, ProviderClient, ProviderId, ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { defineTool, type ToolDefinition } from './define.js';

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

function checkAsk(ask: Ask): void {
  if (ask.country !== undefined && !/^[A-Za-z]{2}$/.test(ask.country))
    throw new ProxycartError('invalid_input', 'country must be an ISO alpha-2 code such as US.');
  for (const [field, max] of Object.entries(LIMITS)) {
    const value = ask[field as keyof typeof LIMITS];
    if (value !== undefined && value > max) throw new ProxycartError('invalid_input', `${field} must be at most ${max}.`);
  }
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
    description: 'Offers across vendors, cheapest first, per GB or IP-month, each with the place_order call to buy it.',
    effect: 'read',
    input: compareInput,
    output: compareOutput,
    async handler(ask) {
      checkAsk(ask);
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
      offers.sort((a, b) => a.total_usd - b.total_usd || a.provider.localeCompare(b.provider));
      return { sandbox: config.sandbox, kind: ask.kind, offers, not_priced: notPriced, unavailable };
    },
  });
}

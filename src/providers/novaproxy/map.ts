import { usableAmount } from '../../money.js';
import type { Offer, Order, OrderState, ProxyEndpoint } from '../types.js';
import type { VendorOrder, VendorPlan } from './api.js';

// Pure mapping of NovaProxy payloads to the domain types.

const STATES: Record<string, OrderState> = {
  active: 'active',
  pending: 'pending',
  // Balance orders should never wait for payment, but the word exists: still in progress.
  awaiting_payment: 'pending',
  // `inactive` means paused or disabled: not usable, yet not documented as final. `pending` is
  // the only state we have that is neither usable nor final; calling it failed or cancelled could
  // lead someone to buy again while the paid order may come back. `state_note` says so.
  inactive: 'pending',
  failed: 'failed',
  invoice_expired: 'failed',
  expired: 'expired',
  // Traffic used up.
  exhausted: 'expired',
};

/** Our state for NovaProxy's status word; unknown words count as in progress, never as failed. */
export function classifyStatus(status: string): OrderState {
  return STATES[status.trim().toLowerCase()] ?? 'pending';
}

const GB = 1024 ** 3;

/** The vendor's byte counts in GB (it counts 1 GB as 2^30 bytes), rounded to 3 decimals. */
export function bytesToGb(bytes: number | null | undefined): number | null {
  if (bytes === null || bytes === undefined) return null;
  return Math.round((bytes / GB) * 1000) / 1000;
}

/** What kind of proxy a plan sells, read from its slug (NovaProxy has no kind field). */
export function planKind(plan: Pick<VendorPlan, 'slug' | 'type'>): string {
  const slug = plan.slug.toLowerCase();
  if (slug.includes('isp')) return 'isp';
  if (slug.includes('residential')) return 'residential';
  if (slug.includes('datacenter')) return 'datacenter';
  if (slug.includes('mobile')) return 'mobile';
  return plan.type ?? 'proxy';
}

export function isBandwidthPlan(plan: Pick<VendorPlan, 'type' | 'bandwidths' | 'durations'>): boolean {
  if (plan.type) return plan.type === 'bandwidth';
  return (plan.bandwidths?.length ?? 0) > 0 && (plan.durations?.length ?? 0) === 0;
}

/** "30_days" → "30 days". */
export function durationLabel(slug: string): string {
  return slug.replace(/_/g, ' ');
}

export function planToOffer(plan: VendorPlan): Offer {
  const common = {
    id: plan.slug,
    name: plan.name ?? plan.slug,
    kind: planKind(plan),
    country: null,
    plan_type: plan.type ?? (isBandwidthPlan(plan) ? 'bandwidth' : 'duration'),
    has_geo_targeting: plan.has_geo_targeting ?? null,
    has_ip_whitelist: plan.has_ip_whitelist ?? null,
    protocols: (plan.protocols ?? []).map((p) => ({ code: p.code, port: p.port })),
    rotations: (plan.rotations ?? []).map((r) => r.code),
  };
  if (isBandwidthPlan(plan)) {
    const tiers = (plan.bandwidths ?? [])
      .map((t) => ({ bandwidth: t.bandwidth, bandwidth_unit: t.bandwidth_unit ?? 'GB', price_per_gb: usableAmount(t.price_per_gb) }))
      .sort((a, b) => a.bandwidth - b.bandwidth);
    const prices = tiers.map((t) => t.price_per_gb).filter((p): p is number => p !== null);
    return {
      ...common,
      price_from_usd: prices.length ? Math.min(...prices) : null,
      price_unit: 'per GB',
      min_bandwidth_gb: tiers.length ? tiers[0].bandwidth : null,
      options: tiers,
    };
  }
  return {
    ...common,
    price_from_usd: null,
    options: (plan.durations ?? []).map((d) => ({
      slug: d.slug,
      options: (d.options ?? []).map((o) => ({
        name: o.name,
        label: o.label ?? o.name,
        type: o.type ?? null,
        ...(o.options ? { options: o.options.map((v) => ({ value: v.value, label: v.label ?? String(v.value) })) } : {}),
        ...(o.min !== null && o.min !== undefined ? { min: o.min } : {}),
        ...(o.max !== null && o.max !== undefined ? { max: o.max } : {}),
        ...(o.step !== null && o.step !== undefined ? { step: o.step } : {}),
      })),
    })),
  };
}

export const TIER_NOTE = 'Bandwidth plans: order whole GB, at least the smallest tier; the price per GB is that of the largest tier not above the amount.';
export const DURATION_PRICE_NOTE = 'NovaProxy publishes no prices for duration plans: the charge is known only once the order is placed (price.net).';

export function offerNotes(plans: VendorPlan[]): string[] {
  const notes: string[] = [];
  if (plans.some(isBandwidthPlan)) notes.push(TIER_NOTE);
  if (plans.some((p) => !isBandwidthPlan(p))) notes.push(DURATION_PRICE_NOTE);
  return notes;
}

export const HOST_NOTE = 'NovaProxy returns credentials and plan ports but no proxy host name; take the gateway host from the NovaProxy dashboard.';

/**
 * Proxies of an order: one endpoint per protocol port of the plan, once the vendor has set
 * credentials. The API names no host, so `host` stays empty rather than guessed.
 */
export function proxiesOf(order: VendorOrder, protocols: Array<{ code: string; port: number }>): ProxyEndpoint[] {
  if (!order.username || !order.password) return [];
  const ports = protocols.length ? protocols : [{ code: 'unknown', port: 0 }];
  return ports.map((p) => ({ host: '', port: p.port, protocol: p.code, username: order.username!, password: order.password! }));
}

/** The order, normalised. `fallbackProtocols` are the plan's ports when the order's plan lacks them. */
export function orderFromVendor(order: VendorOrder, fallbackProtocols: Array<{ code: string; port: number }> = []): Order {
  const protocols = order.plan?.protocols?.length ? order.plan.protocols : fallbackProtocols;
  const proxies = proxiesOf(
    order,
    protocols.map((p) => ({ code: p.code, port: p.port })),
  );
  const state = classifyStatus(order.status);
  const result: Order = {
    id: order.uuid,
    status: order.status,
    state,
    total_usd: order.price?.net ?? null,
    proxies,
    plan: order.plan?.slug ?? null,
    plan_name: order.plan?.name ?? null,
    price: order.price ? { gross: order.price.gross ?? null, discount: order.price.discount ?? null, net: order.price.net ?? null } : null,
    bandwidth_gb: bytesToGb(order.initial_bandwidth_in_bytes),
    remaining_bandwidth_gb: bytesToGb(order.remaining_bandwidth_in_bytes),
    expires_at: order.expires_at ?? null,
    created_at: order.created_at ?? null,
  };
  if (order.threads !== null && order.threads !== undefined) result.threads = order.threads;
  if (order.duration_options?.length) result.duration_options = order.duration_options;
  if (proxies.length) result.host_note = HOST_NOTE;
  if (order.status.trim().toLowerCase() === 'inactive') {
    result.state_note = 'NovaProxy marks this order inactive (paused or disabled): not usable now; see the NovaProxy dashboard.';
  }
  return result;
}

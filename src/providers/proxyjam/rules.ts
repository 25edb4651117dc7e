import { ProxycartError } from '../../errors.js';
import { priceTimes, vendorPrice } from '../../money.js';
import type { PreparedOrder } from '../types.js';
import type { VendorOffer, VendorOfferOption } from './api.js';
import { takesTarification, toNumber } from './map.js';
import { type PlaceOrderInput, PROXY_KINDS } from './schemas.js';

// ProxyJam's cross-field order rules, checked before any money call, and the catalog
// estimate of the price. Pure: the caller looks the offer up.

const DEFAULT_PERIOD_DAYS = 30;

export const ESTIMATE_WARNING =
  'Estimated from the ProxyJam catalog: ProxyJam has no quote endpoint, and pricing per proxy (option price × quantity) is inferred from one documented example.';
export const BANDWIDTH_WARNING = 'The catalog shows no price for bandwidth_gb; ProxyJam may charge differently for a traffic cap.';

function invalid(message: string): ProxycartError {
  return new ProxycartError('invalid_input', message);
}

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

function describeTariff(option: VendorOfferOption, index: number): string {
  const parts = [option.traffic_name ?? (option.traffic_mb != null ? `${option.traffic_mb} MB` : null), option.period_name ?? `${option.period_days} days`];
  const price = toNumber(option.price);
  return `${index} (${parts.filter(Boolean).join(', ')}${price !== null ? `, ${money(price)}` : ''})`;
}

function offerLabel(offer: VendorOffer): string {
  return `${offer.name ?? 'offer'} (offer ${offer.id})`;
}

function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/** The option this order buys, and the period to send. */
function chooseOption(offer: VendorOffer, input: PlaceOrderInput): { option: VendorOfferOption | undefined; periodDays: number | undefined } {
  const options = offer.options ?? [];
  if (takesTarification(offer)) {
    const choices = options.map(describeTariff).join('; ');
    if (input.tarification_index === undefined) {
      throw invalid(`${offerLabel(offer)} is a mobile rotating offer: tarification_index is required. Pick one of: ${choices || 'none listed'}.`);
    }
    const option = options[input.tarification_index];
    if (!option) {
      throw invalid(`${offerLabel(offer)} has no option at tarification_index ${input.tarification_index}. Pick one of: ${choices || 'none listed'}.`);
    }
    const optionDays = toNumber(option.period_days) ?? undefined;
    if (input.period_days !== undefined && optionDays !== undefined && input.period_days !== optionDays) {
      throw invalid(
        `period_days ${input.period_days} does not match tarification_index ${input.tarification_index}, which is ${optionDays} days; leave period_days out or set it to ${optionDays}.`,
      );
    }
    return { option, periodDays: optionDays ?? input.period_days };
  }

  if (input.tarification_index !== undefined) {
    throw invalid(`${offerLabel(offer)} does not take tarification_index (only mobile rotating offers do); choose the period with period_days instead.`);
  }
  if (options.length === 0) return { option: undefined, periodDays: input.period_days };
  const periods = [...new Set(options.map((option) => toNumber(option.period_days)).filter((days): days is number => days !== null))];
  let periodDays = input.period_days;
  if (periodDays === undefined) {
    // ProxyJam would fill in 30 days; pick the offer's only period, or 30 when it sells one.
    if (periods.length === 1) periodDays = periods[0];
    else if (periods.includes(DEFAULT_PERIOD_DAYS)) periodDays = DEFAULT_PERIOD_DAYS;
    else throw invalid(`${offerLabel(offer)} sells several periods: set period_days to one of ${periods.join(', ')}.`);
  }
  const option = options.find((candidate) => toNumber(candidate.period_days) === periodDays);
  if (!option) {
    throw invalid(`${offerLabel(offer)} has no ${periodDays}-day option; set period_days to one of ${periods.join(', ') || 'the listed periods'}.`);
  }
  return { option, periodDays };
}

/** Offer fields the order must agree with; the offer's values fill what the input leaves out. */
function offerDefaults(offer: VendorOffer, input: PlaceOrderInput): { proxy_type?: string; ip_version?: string; country?: string } {
  const kind = offer.kind?.toLowerCase();
  const offerKind = kind && (PROXY_KINDS as readonly string[]).includes(kind) ? kind : undefined;
  if (input.proxy_type && offerKind && input.proxy_type !== offerKind) {
    throw invalid(`${offerLabel(offer)} is a ${offerKind} offer; proxy_type ${input.proxy_type} does not fit it (leave proxy_type out).`);
  }
  if (input.ip_version && offer.ip_version && !sameText(input.ip_version, offer.ip_version)) {
    throw invalid(`${offerLabel(offer)} sells ${offer.ip_version}; ip_version ${input.ip_version} does not fit it (leave ip_version out).`);
  }
  const country = input.country?.toUpperCase();
  if (country && offer.country_code && !sameText(country, offer.country_code)) {
    throw invalid(`${offerLabel(offer)} is located in ${offer.country_code}; country ${country} does not fit it (leave country out or pick another offer).`);
  }
  return {
    proxy_type: input.proxy_type ?? offerKind,
    ip_version: input.ip_version ?? offer.ip_version ?? undefined,
    country: country ?? offer.country_code?.toUpperCase() ?? undefined,
  };
}

/** Check `input` against `offer` and build the exact body and the quote. Throws invalid_input. */
export function prepareFromOffer(offer: VendorOffer | undefined, input: PlaceOrderInput): PreparedOrder {
  if (!offer) {
    throw invalid(`ProxyJam has no offer ${input.offer_id} in its catalog; call proxyjam_list_offers and use an offer's id.`);
  }
  if (offer.is_available === false) {
    throw invalid(`${offerLabel(offer)} is out of stock; pick an offer with is_available true.`);
  }
  const defaults = offerDefaults(offer, input);
  const { option, periodDays } = chooseOption(offer, input);
  const quantity = input.quantity ?? 1;

  // Kind, IP version, country, quantity and period are always sent: ProxyJam's defaults
  // (residential, US, 30 days) could otherwise fill in values the offer does not have.
  // payment_method is fixed: proxycart pays from the wallet only.
  const request: Record<string, unknown> = {
    offer_id: input.offer_id,
    payment_method: 'wallet',
    ...defaults,
    protocol: input.protocol,
    city: input.city?.trim() || undefined,
    isp: input.isp?.trim() || undefined,
    quantity,
    period_days: periodDays,
    tarification_index: input.tarification_index,
    bandwidth_gb: input.bandwidth_gb,
    auto_renew: input.auto_renew,
    notes: input.notes || undefined,
  };
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];

  const price = option ? priceTimes(vendorPrice('ProxyJam', `offer ${offer.id} option price`, option.price), quantity, `ProxyJam offer ${offer.id}`) : null;
  const total = price?.usd ?? null;
  const what = [
    `${quantity} × ${offerLabel(offer)}`,
    input.tarification_index !== undefined && option
      ? `tariff ${input.tarification_index}: ${[option.traffic_name, option.period_name ?? `${periodDays} days`].filter(Boolean).join(', ')}`
      : periodDays !== undefined
        ? `${periodDays} days`
        : null,
    input.protocol ?? null,
    input.bandwidth_gb !== undefined ? `${input.bandwidth_gb} GB cap` : null,
  ].filter(Boolean);
  const warnings = [
    price?.warning ?? (total === null ? 'The catalog lists no price for this option; the total is known only after ordering.' : ESTIMATE_WARNING),
  ];
  if (input.bandwidth_gb !== undefined) warnings.push(BANDWIDTH_WARNING);

  return {
    request,
    quote: {
      total_usd: total,
      price_source: total === null ? 'unknown' : 'catalog_estimate',
      summary: what.join(', '),
      warnings,
    },
  };
}

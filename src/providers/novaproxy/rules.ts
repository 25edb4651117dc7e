import { ProxycartError } from '../../errors.js';
import { priceTimes, vendorPrice } from '../../money.js';
import type { PreparedOrder, VendorQuote } from '../types.js';
import type { VendorOption, VendorPlan } from './api.js';
import { DURATION_PRICE_NOTE, durationLabel, isBandwidthPlan } from './map.js';
import type { PlaceOrderInput } from './schemas.js';

// NovaProxy's order rules, checked locally against the plan (GET /plans/{slug}) before any
// money call. Refusals use the vendor's own 422 wording so a person sees the same sentence the
// vendor would have answered.

const MAX_CONFIG_VALUE_LENGTH = 100;
const MAX_CONFIG_ENTRIES = 20;
// Counted unit plus amount, e.g. 30_days, 1_day, 20_minutes.
const DURATION_FORMAT = /^[1-9][0-9]{0,3}_(minute|hour|day|week|month|year)s?$/;

function refuse(message: string, advice?: string): never {
  throw new ProxycartError('invalid_input', message, { advice });
}

/** The tier a bandwidth is priced at: the largest tier whose size is not above it. */
export function tierFor(plan: VendorPlan, bandwidth: number) {
  const tiers = [...(plan.bandwidths ?? [])].sort((a, b) => a.bandwidth - b.bandwidth);
  let match: (typeof tiers)[number] | undefined;
  for (const tier of tiers) if (tier.bandwidth <= bandwidth) match = tier;
  return match;
}

function prepareBandwidth(input: PlaceOrderInput, plan: VendorPlan): PreparedOrder {
  if (input.duration !== undefined || input.config !== undefined) {
    refuse(`Plan '${plan.slug}' is sold by bandwidth: give bandwidth (GB) and no duration or config.`);
  }
  const smallest = Math.min(...(plan.bandwidths ?? []).map((t) => t.bandwidth));
  const { bandwidth } = input;
  // Our reading of the undocumented "tier rules": a whole number of GB, at least the smallest tier.
  const tier = bandwidth !== undefined && Number.isInteger(bandwidth) ? tierFor(plan, bandwidth) : undefined;
  if (bandwidth === undefined || !tier) {
    refuse(
      'The entered bandwidth is not valid.',
      Number.isFinite(smallest) ? `Give a whole number of GB, at least ${smallest}.` : `Plan '${plan.slug}' lists no bandwidth tiers.`,
    );
  }
  const request: Record<string, unknown> = { plan: plan.slug, bandwidth };
  if (input.discount_code) request.discount_code = input.discount_code;
  const price = priceTimes(
    vendorPrice('NovaProxy', `plan ${plan.slug} tier ${tier.bandwidth} GB price_per_gb`, tier.price_per_gb),
    bandwidth,
    `NovaProxy plan ${plan.slug}`,
  );
  const pricePerGb = price.usd === null ? null : tier.price_per_gb;
  const warnings: string[] = price.warning ? [price.warning] : [];
  if (input.discount_code) warnings.push('A discount code is applied by NovaProxy when ordering; this estimate is before any discount.');
  const quote: VendorQuote = {
    total_usd: price.usd,
    price_source: price.usd === null ? 'unknown' : 'catalog_estimate',
    summary: `${bandwidth} GB ${plan.name ?? plan.slug} (plan ${plan.slug})${pricePerGb === null ? '' : ` at ${pricePerGb} USD/GB`}`,
    warnings,
  };
  return { request, quote, lookup: { plan: plan.slug } };
}

function numericValue(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function isMultiple(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

/** Checks one option value; returns the value to send (the vendor's own select value, numbers as numbers). */
function checkOption(option: VendorOption, value: string | number): { value: string | number; shown: string } {
  if (option.type === 'select') {
    const choice = (option.options ?? []).find((o) => String(o.value) === String(value));
    if (!choice) {
      const some = (option.options ?? []).slice(0, 10).map((o) => String(o.value));
      refuse(
        `Invalid value for option '${option.name}'.`,
        some.length ? `Use one of: ${some.join(', ')}${(option.options?.length ?? 0) > 10 ? ', …' : ''}.` : undefined,
      );
    }
    return { value: choice.value, shown: choice.label ?? String(choice.value) };
  }
  if (option.type === 'range' || option.type === 'number') {
    const number = numericValue(value);
    if (number === undefined) refuse(`Value for option '${option.name}' must be numeric.`);
    if (option.min !== null && option.min !== undefined && number < option.min) refuse(`Value for option '${option.name}' must be at least ${option.min}.`);
    if (option.max !== null && option.max !== undefined && number > option.max) refuse(`Value for option '${option.name}' must be at most ${option.max}.`);
    if (option.step && !isMultiple(number, option.step)) refuse(`Value for option '${option.name}' must be a multiple of ${option.step}.`);
    return { value: number, shown: String(number) };
  }
  // An option type the docs do not describe: passed on as given, the vendor judges it.
  return { value, shown: String(value) };
}

function prepareDuration(input: PlaceOrderInput, plan: VendorPlan): PreparedOrder {
  const offered = (plan.durations ?? []).map((d) => d.slug);
  if (input.bandwidth !== undefined) {
    refuse(`Plan '${plan.slug}' is sold by duration: give duration (and config), not bandwidth.`);
  }
  if (input.duration === undefined) {
    refuse(`Plan '${plan.slug}' is sold by duration: duration is required.`, `Use one of: ${offered.join(', ')}.`);
  }
  const slug = input.duration;
  if (!DURATION_FORMAT.test(slug)) {
    refuse(`Invalid duration format '${slug}'. Expected e.g. '30_days', '1_day', '20_minutes'.`, `Plan '${plan.slug}' offers: ${offered.join(', ')}.`);
  }
  const duration = (plan.durations ?? []).find((d) => d.slug === slug);
  if (!duration) refuse(`Duration '${slug}' is not available for plan '${plan.slug}'.`, `Use one of: ${offered.join(', ')}.`);

  const options = duration.options ?? [];
  // Read by name: the options are the plan's, and orders reach here unparsed too (compare, contract suite).
  const given = (input.config ?? {}) as Record<string, string | number>;
  const names = Object.keys(given);
  if (names.length > MAX_CONFIG_ENTRIES) refuse(`config has ${names.length} entries; this duration has ${options.length} options.`);
  for (const name of names) {
    const value = given[name];
    if (typeof value === 'string' && value.length > MAX_CONFIG_VALUE_LENGTH) refuse(`The value of config.${name.slice(0, 50)} is too long.`);
  }
  if (options.length && names.length === 0) {
    refuse('The config field is required for this plan duration.', `Give: ${options.map((o) => o.name).join(', ')}.`);
  }
  for (const option of options) {
    if (!(option.name in given) || given[option.name] === '') refuse(`Missing config value for option '${option.name}'.`);
  }
  for (const name of names) {
    if (!options.some((o) => o.name === name)) refuse(`Option '${name}' does not exist for the selected plan duration.`);
  }
  const config: Record<string, string | number> = {};
  const shown: string[] = [];
  for (const option of options) {
    const checked = checkOption(option, given[option.name]);
    config[option.name] = checked.value;
    shown.push(`${option.label ?? option.name} ${checked.shown}`);
  }

  const request: Record<string, unknown> = { plan: plan.slug, duration: slug };
  if (options.length) request.config = config;
  if (input.discount_code) request.discount_code = input.discount_code;
  const quote: VendorQuote = {
    total_usd: null,
    price_source: 'unknown',
    summary: `${plan.name ?? plan.slug} (plan ${plan.slug}), ${durationLabel(slug)}${shown.length ? `, ${shown.join(', ')}` : ''}`,
    warnings: [DURATION_PRICE_NOTE],
  };
  return { request, quote, lookup: { plan: plan.slug } };
}

/** The exact POST /orders body for `input` and its quote, or an invalid_input refusal. */
export function prepareAgainstPlan(input: PlaceOrderInput, plan: VendorPlan): PreparedOrder {
  return isBandwidthPlan(plan) ? prepareBandwidth(input, plan) : prepareDuration(input, plan);
}

import { ProxycartError } from '../../errors.js';
import type { ProxyItem } from './api.js';
import { type NamedId, sameId, TYPE_TITLES, type TypeReference } from './map.js';
import type { ExtendOrderInput, PlaceOrderInput, ProxyType } from './schemas.js';

// Proxy-Seller v1 has one order body per product tab (seed 002): the IPv4 tab's fields are
// shared by ISP, MIX and MIX ISP; IPv6 adds `protocol`; Mobile adds the operator fields;
// Resident takes only a tariff and a coupon. The body carries no type field: the vendor
// knows the product from the ids. We check the tab rules here, before any vendor call,
// so a person never approves an order the vendor cannot take.

type Field = Exclude<keyof PlaceOrderInput, 'type'>;

const BASE: readonly Field[] = ['countryId', 'periodId', 'quantity', 'coupon', 'authorization', 'customTargetName', 'generateAuth'];
const BASE_REQUIRED: readonly Field[] = ['countryId', 'periodId', 'quantity'];

const ALLOWED: Record<ProxyType, readonly Field[]> = {
  ipv4: BASE,
  isp: BASE,
  mix: BASE,
  mix_isp: BASE,
  ipv6: [...BASE, 'protocol'],
  mobile: [...BASE, 'mobileServiceType', 'operatorId', 'rotationId'],
  resident: ['coupon', 'tarifId'],
};

const REQUIRED: Record<ProxyType, readonly Field[]> = {
  ipv4: BASE_REQUIRED,
  isp: BASE_REQUIRED,
  mix: BASE_REQUIRED,
  mix_isp: BASE_REQUIRED,
  ipv6: [...BASE_REQUIRED, 'protocol'],
  mobile: [...BASE_REQUIRED, 'mobileServiceType', 'operatorId', 'rotationId'],
  resident: ['tarifId'],
};

/**
 * Types whose orders the vendor refuses with `Incorrect goal` (code 14) when no purpose is
 * given (the v2 SDKs enforce it; the v1 page calls it optional), so a purpose is always sent.
 */
const NEEDS_TARGET: ReadonlySet<ProxyType> = new Set(['ipv4', 'ipv6', 'isp', 'mix', 'mix_isp']);
export const DEFAULT_TARGET = 'scraping';

/** Proxy-Seller's payment system id for the account balance (43 would be a saved card). */
export const BALANCE_PAYMENT_ID = 1;

function invalid(message: string): ProxycartError {
  return new ProxycartError('invalid_input', message);
}

/** Missing and foreign fields for the chosen type, all named in one message. */
export function checkFields(input: PlaceOrderInput): void {
  const { type } = input;
  const problems: string[] = [];
  const missing = REQUIRED[type].filter((field) => input[field] === undefined);
  if (missing.length) problems.push(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required`);
  const foreign = (Object.keys(input) as Array<keyof PlaceOrderInput>).filter(
    (field) => field !== 'type' && input[field] !== undefined && !ALLOWED[type].includes(field as Field),
  );
  if (foreign.length) problems.push(`${foreign.join(', ')} ${foreign.length === 1 ? 'does' : 'do'} not apply to this type`);
  if (problems.length) {
    throw invalid(`For a ${TYPE_TITLES[type]} order (type "${type}"): ${problems.join('; ')}. Fields for this type: ${ALLOWED[type].join(', ')}.`);
  }
}

function ids(values: NamedId[]): string {
  const shown = values.slice(0, 12).map((v) => String(v.id));
  return shown.join(', ') + (values.length > shown.length ? ', …' : '');
}

/** The choices the reference offers. Empty reference lists are skipped: the vendor's calc still checks. */
export function checkAgainstReference(input: PlaceOrderInput, ref: TypeReference): void {
  const { type } = input;
  if (type === 'resident') {
    if (ref.tarifs.length && !ref.tarifs.some((t) => sameId(t.id, input.tarifId))) {
      throw invalid(`tarifId ${input.tarifId} is not a Proxy-Seller resident tariff; valid tarifIds: ${ids(ref.tarifs)}.`);
    }
    return;
  }
  const country = ref.countries.find((c) => sameId(c.id, input.countryId));
  if (ref.countries.length && !country) {
    throw invalid(`countryId ${input.countryId} is not a Proxy-Seller ${TYPE_TITLES[type]} country; list_offers with type "${type}" shows the countryIds.`);
  }
  if (ref.periods.length && !ref.periods.some((p) => sameId(p.id, input.periodId))) {
    throw invalid(`periodId "${input.periodId}" is not offered for ${TYPE_TITLES[type]}; valid periodIds: ${ids(ref.periods)}.`);
  }
  if ((type === 'mix' || type === 'mix_isp') && ref.quantities.length && !ref.quantities.includes(input.quantity ?? 0)) {
    throw invalid(`quantity ${input.quantity} is not a ${TYPE_TITLES[type]} package size; valid quantities: ${ref.quantities.join(', ')}.`);
  }
  if (type === 'mobile' && country && country.operators.length) {
    const ofService = country.operators.filter((op) => !op.serviceType || op.serviceType === input.mobileServiceType);
    const operator = ofService.find((op) => sameId(op.id, input.operatorId));
    if (!operator) {
      throw invalid(
        `operatorId "${input.operatorId}" is not a ${input.mobileServiceType} mobile operator in countryId ${input.countryId}; valid operatorIds: ${ids(ofService) || 'none'}.`,
      );
    }
    if (operator.rotations.length && !operator.rotations.some((r) => sameId(r.id, input.rotationId))) {
      throw invalid(`rotationId ${input.rotationId} is not a rotation of operator "${operator.id}"; valid rotationIds: ${ids(operator.rotations)}.`);
    }
  }
}

/** The exact `order/calc` and `order/make` body (vendor field names); the wallet pays. */
export function buildRequest(input: PlaceOrderInput): Record<string, unknown> {
  const body: Record<string, unknown> = { paymentId: BALANCE_PAYMENT_ID };
  for (const field of ALLOWED[input.type]) {
    if (input[field] !== undefined) body[field] = input[field];
  }
  if (NEEDS_TARGET.has(input.type) && body.customTargetName === undefined) body.customTargetName = DEFAULT_TARGET;
  return body;
}

function nameOf(values: NamedId[], id: unknown): string | undefined {
  return values.find((v) => sameId(v.id, id as string | number))?.name;
}

/** One readable line: what is being bought. */
export function summarize(input: PlaceOrderInput, ref: TypeReference | undefined): string {
  const title = TYPE_TITLES[input.type];
  if (input.type === 'resident') {
    const tarif = ref && nameOf(ref.tarifs, input.tarifId);
    return `${title} ${tarif ?? 'tariff'} (tarifId ${input.tarifId})`;
  }
  const country = ref?.countries.find((c) => sameId(c.id, input.countryId));
  const period = (ref && nameOf(ref.periods, input.periodId)) ?? `period ${input.periodId}`;
  const what = [`${title} ${country?.name ?? 'country'}`];
  if (input.type === 'ipv6') what.push(input.protocol ?? '');
  if (input.type === 'mobile') {
    const operator = country?.operators.find((op) => sameId(op.id, input.operatorId));
    const rotation = operator && nameOf(operator.rotations, input.rotationId);
    what.push(`${input.mobileServiceType}, ${operator?.name ?? `operator ${input.operatorId}`}, rotation ${rotation ?? input.rotationId}`);
  }
  return `${input.quantity} × ${what.filter(Boolean).join(' ')} (countryId ${input.countryId}), ${period}`;
}

// ---- prolong (vendors.md 6.2.1): renewing an order's proxies --------------------------

/** Types prolong takes; `resident` is a traffic package and is not renewed this way. */
export const PROLONG_TYPES: readonly ProxyType[] = ['ipv4', 'ipv6', 'mobile', 'isp', 'mix', 'mix_isp'];

/** `can_prolong` arrives as `1` or `true` (vendors.md 6.2.2); only an explicit no stops a renewal. */
function refusesRenewal(value: unknown): boolean {
  return value === false || value === 0 || value === '0' || value === 'N' || value === 'false';
}

/** The renewal's checks before any call that costs: a renewable type, every proxy renewable, a period of the reference. */
export function checkProlong(
  orderId: string,
  type: ProxyType | undefined,
  items: ProxyItem[],
  input: ExtendOrderInput,
  ref: TypeReference | undefined,
): ProxyType {
  if (!type || !PROLONG_TYPES.includes(type)) {
    throw invalid(
      `Proxy-Seller order ${orderId} is ${type ? TYPE_TITLES[type] : 'of an unknown type'}: API v1 renews only ${PROLONG_TYPES.join(', ')} proxies.`,
    );
  }
  if (items.some((item) => refusesRenewal(item.can_prolong))) {
    throw invalid(`Proxy-Seller says the proxies of order ${orderId} cannot be renewed now (can_prolong is off); the dashboard says why.`);
  }
  if (ref?.periods.length && !ref.periods.some((p) => sameId(p.id, input.periodId))) {
    throw invalid(`periodId "${input.periodId}" is not offered for ${TYPE_TITLES[type]}; valid periodIds: ${ids(ref.periods)}.`);
  }
  return type;
}

/** The exact prolong/calc and prolong/make body: the order's proxies, the period, paid from the balance. */
export function prolongBody(items: ProxyItem[], input: ExtendOrderInput): Record<string, unknown> {
  // v1 SDKs omit paymentId; vendors.md 6.2.1 infers it should be sent, as the string "1".
  return { ids: items.map((item) => String(item.id)), periodId: input.periodId, paymentId: String(BALANCE_PAYMENT_ID) };
}

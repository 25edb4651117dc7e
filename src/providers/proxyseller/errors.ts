import * as z from 'zod';
import type { HttpResponse } from '../../http/client.js';
import type { ErrorTable, Meaning, VendorFailure } from '../../http/vendor-errors.js';

// Proxy-Seller wraps every answer in {status, data, errors[]} and reports business errors
// with HTTP 200, so the envelope, not the status code, says what failed. Read by the shared
// interpreter in http/vendor-errors.ts; answers outside the envelope (an HTML 401 from the
// network edge) are left to the HTTP client.

/** Every Proxy-Seller answer: `{status, data, errors[]}`. */
export const envelopeSchema = z.looseObject({
  status: z.string().nullish(),
  data: z.unknown().optional(),
  errors: z
    .array(
      z.looseObject({
        message: z.unknown().optional(),
        code: z.unknown().optional(),
      }),
    )
    .nullish(),
});

export const VENDOR = 'Proxy-Seller';

// The vendor answers a bad key, a caller IP missing from the key's allowlist and the
// 1000 requests/minute limit with the same three errors (code 503), so no one of them can be blamed.
const access: Meaning = {
  kind: 'auth',
  message: `${VENDOR} refused access. Its answer is the same for three causes: a wrong API key, a caller IP that is not on the key's IP allowlist, or more than 1000 requests per minute.`,
  advice: 'Check PROXYSELLER_API_KEY and the IP allowlist of the key at proxy-seller.com/personal/api; if both are right, wait a minute and try again.',
};

const noFunds: Meaning = { kind: 'insufficient_funds', message: `${VENDOR} says the balance does not cover this order.` };

/** The vendor's first sentence names the field; a missing purpose gets a hint. */
const badFields: Meaning = {
  kind: 'invalid_input',
  message: (failure: VendorFailure) => {
    const text = (failure.messages[0] ?? '').trim();
    const hint = /goal/i.test(text) ? ' Give a customTargetName (purpose of use).' : '';
    return `${VENDOR} refused the order fields: ${text}.${hint}`;
  },
};

const REFUSED = `${VENDOR} refused the request.`;
const refused: Meaning = { kind: 'vendor_error', message: REFUSED };

export const errorTable: ErrorTable = {
  vendor: VENDOR,
  read(response: HttpResponse) {
    const parsed = envelopeSchema.safeParse(response.body);
    if (!parsed.success || parsed.data.status !== 'error') return undefined;
    const errors = parsed.data.errors ?? [];
    // order/calc answers `status: "error"` with no errors and a filled `data.warning` for a
    // quote that cannot be placed as is: that is a quote, not a failure.
    const data = parsed.data.data as { warning?: unknown } | null | undefined;
    if (errors.length === 0 && typeof data === 'object' && data !== null && typeof data.warning === 'string' && data.warning !== '') return undefined;
    return {
      status: response.status,
      messages: errors.map((e) => (typeof e.message === 'string' ? e.message : String(e.message ?? ''))),
      codes: errors.flatMap((e) => (e.code === undefined || e.code === null || Number.isNaN(Number(e.code)) ? [] : [String(Number(e.code))])),
    };
  },
  // The documented messages and codes (vendors.md 3.2).
  exact: {
    'Error api key': access,
    'Request limit reached': access,
    '503': access,
    'Insufficient funds on balance': noFunds,
    '16': noFunds,
    'Country not exists': badFields,
    'Tarif not found': badFields,
    'Incorrect goal': badFields,
    '14': badFields,
    'Incorrect orderIds': badFields,
    '29': badFields,
    'Prolong for this order is already in progress': refused,
  },
  // Documented messages that carry an IP or amounts, then the families of the same wording.
  broad: [
    { pattern: /^error api key/i, meaning: access },
    { pattern: /^ip not allowed/i, meaning: access },
    { pattern: /^request limit reached/i, meaning: access },
    { pattern: /^insufficient funds/i, meaning: noFunds },
    { pattern: /^set exist(s|ed) \[/i, meaning: badFields },
    { pattern: /not exists?\b/i, meaning: badFields },
    { pattern: /not found/i, meaning: badFields },
    { pattern: /^incorrect\b/i, meaning: badFields },
    { pattern: /^invalid\b/i, meaning: badFields },
  ],
  fallback: {
    kind: 'vendor_error',
    message: (failure) => (failure.messages.length ? REFUSED : `${VENDOR} answered with an error status but gave no reason.`),
  },
};

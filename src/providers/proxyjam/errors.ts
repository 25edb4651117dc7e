import { trimVendorMessage } from '../../errors.js';
import type { ErrorTable, Meaning, VendorFailure } from '../../http/vendor-errors.js';

// ProxyJam's error envelope is `{"detail": "text"}`, or FastAPI's validation list
// `{"detail": [{loc, msg, type}]}`. A later docs revision describes
// `{"error": {code, message, details}}` instead; both are read so a switch on the vendor's
// side does not turn its refusals into unreadable failures.

const VENDOR = 'ProxyJam';

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `offer_id: Field required` from one FastAPI validation item (the `body.` prefix dropped). */
function validationLine(item: Record<string, unknown>): string {
  const where = Array.isArray(item.loc)
    ? item.loc.filter((part, i) => !(i === 0 && ['body', 'query', 'path', 'header'].includes(String(part)))).join('.')
    : typeof item.field === 'string'
      ? item.field.replace(/^(body|query|path|header)\./, '')
      : '';
  const text = String(item.msg ?? item.message ?? 'invalid value');
  return where ? `${where}: ${text}` : text;
}

function listMessage(items: unknown[]): string {
  return items.map((item) => (record(item) ? validationLine(record(item)!) : String(item))).join('; ');
}

/** The vendor's own words from an error body, whichever envelope it used. */
export function vendorMessageOf(body: unknown): string | undefined {
  const top = record(body);
  if (!top) return undefined;
  if (typeof top.detail === 'string') return top.detail;
  if (Array.isArray(top.detail)) return listMessage(top.detail);
  const nested = record(top.error);
  if (nested) {
    const message = typeof nested.message === 'string' ? nested.message : undefined;
    if (Array.isArray(nested.details) && nested.details.length > 0) {
      const fields = listMessage(nested.details);
      return message ? `${message}: ${fields}` : fields;
    }
    return message;
  }
  if (typeof top.message === 'string') return top.message;
  return undefined;
}

const refusedKey: Meaning = {
  kind: 'auth',
  message: ({ status }) => `${VENDOR} refused the API key (HTTP ${status}).`,
  advice: 'Check PROXYJAM_API_KEY: it may be mistyped, revoked or expired.',
};
const funds: Meaning = { kind: 'insufficient_funds', message: `The ${VENDOR} wallet does not hold enough for this order; nothing was charged.` };

export const errorTable: ErrorTable = {
  vendor: VENDOR,
  read(response) {
    if (response.status >= 200 && response.status < 300) return undefined;
    const message = vendorMessageOf(response.body);
    const code = record(record(response.body)?.error)?.code;
    return { status: response.status, messages: message === undefined ? [] : [message], codes: typeof code === 'string' ? [code] : [] };
  },
  exact: {
    'Missing API key': {
      kind: 'auth',
      message: ({ status }) => `${VENDOR} received no API key (HTTP ${status}).`,
      advice: 'Set PROXYJAM_API_KEY to a key from the ProxyJam dashboard.',
    },
    'Invalid API key': refusedKey,
    INSUFFICIENT_FUNDS: funds,
  },
  broad: [
    // A 401 is a refused key whatever the body says.
    { pattern: /[\s\S]*/, status: [401], meaning: refusedKey },
    { pattern: /insufficient (wallet )?(balance|funds)|not enough (balance|funds)/i, meaning: funds },
  ],
  status: {
    400: { kind: 'invalid_input', message: `${VENDOR} refused the request as invalid (HTTP 400).` },
    401: refusedKey,
    403: { kind: 'auth', message: `${VENDOR} does not allow this for the account behind the API key (HTTP 403).` },
    404: { kind: 'not_found', message: `${VENDOR} has no such resource (HTTP 404).` },
    409: {
      kind: 'vendor_error',
      message: `${VENDOR} refused the order: its idempotency key was already used for a different order request (HTTP 409). Nothing new was charged.`,
      advice: 'Prepare the order again to get a fresh confirmation; do not reuse an old one for changed arguments.',
    },
    422: {
      kind: 'invalid_input',
      message: ({ messages }: VendorFailure) =>
        `${VENDOR} rejected the request fields (HTTP 422)${messages.length ? `: ${trimVendorMessage(messages.join(' | '))}` : ''}.`,
    },
  },
  fallback: { kind: 'vendor_error', message: ({ status }) => `${VENDOR} rejected the request (HTTP ${status}).` },
};

import { ProxycartError, trimVendorMessage } from '../../errors.js';
import type { HttpResponse } from '../../http/client.js';

// ProxyJam's error envelope is `{"detail": "text"}`, or FastAPI's validation list
// `{"detail": [{loc, msg, type}]}`. A later docs revision describes
// `{"error": {code, message, details}}` instead; both are read so a switch on the vendor's
// side does not turn its refusals into unreadable failures.

const VENDOR = 'ProxyJam';

interface ValidationItem {
  loc?: unknown;
  msg?: unknown;
  field?: unknown;
  message?: unknown;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `offer_id: Field required` from one FastAPI validation item (the `body.` prefix dropped). */
function validationLine(item: ValidationItem): string {
  const where = Array.isArray(item.loc)
    ? item.loc.filter((part, i) => !(i === 0 && ['body', 'query', 'path', 'header'].includes(String(part)))).join('.')
    : typeof item.field === 'string'
      ? item.field.replace(/^(body|query|path|header)\./, '')
      : '';
  const text = String(item.msg ?? item.message ?? 'invalid value');
  return where ? `${where}: ${text}` : text;
}

function listMessage(items: unknown[]): string {
  return items.map((item) => (record(item) ? validationLine(item as ValidationItem) : String(item))).join('; ');
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

function vendorCodeOf(body: unknown): string | undefined {
  const code = record(record(body)?.error)?.code;
  return typeof code === 'string' ? code.toUpperCase() : undefined;
}

const INSUFFICIENT = /insufficient (wallet )?(balance|funds)|not enough (balance|funds)/i;

/** ProxyJam's documented refusals as proxycart error kinds; undefined for a success. */
export function toProxyJamError(response: HttpResponse): ProxycartError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const message = vendorMessageOf(response.body);
  const vendorMessage = trimVendorMessage(message ?? (response.text || undefined));
  const code = vendorCodeOf(response.body);
  const details = { vendorMessage, httpStatus: status };

  // Exact documented messages first.
  if (message === 'Missing API key') {
    return new ProxycartError('auth', `${VENDOR} received no API key (HTTP ${status}).`, {
      ...details,
      advice: 'Set PROXYJAM_API_KEY to a key from the ProxyJam dashboard.',
    });
  }
  if (message === 'Invalid API key' || status === 401) {
    return new ProxycartError('auth', `${VENDOR} refused the API key (HTTP ${status}).`, {
      ...details,
      advice: 'Check PROXYJAM_API_KEY: it may be mistyped, revoked or expired.',
    });
  }
  if (code === 'INSUFFICIENT_FUNDS' || (message !== undefined && INSUFFICIENT.test(message))) {
    return new ProxycartError('insufficient_funds', `The ${VENDOR} wallet does not hold enough for this order; nothing was charged.`, details);
  }
  switch (status) {
    case 400:
      return new ProxycartError('invalid_input', `${VENDOR} refused the request as invalid (HTTP 400).`, details);
    case 403:
      return new ProxycartError('auth', `${VENDOR} does not allow this for the account behind the API key (HTTP 403).`, details);
    case 404:
      return new ProxycartError('not_found', `${VENDOR} has no such resource (HTTP 404).`, details);
    case 409:
      return new ProxycartError(
        'vendor_error',
        `${VENDOR} refused the order: its idempotency key was already used for a different order request (HTTP 409). Nothing new was charged.`,
        { ...details, advice: 'Prepare the order again to get a fresh confirmation; do not reuse an old one for changed arguments.' },
      );
    case 422:
      return new ProxycartError('invalid_input', `${VENDOR} rejected the request fields (HTTP 422)${message ? `: ${trimVendorMessage(message)}` : ''}.`, details);
    default:
      return new ProxycartError('vendor_error', `${VENDOR} rejected the request (HTTP ${status}).`, details);
  }
}

import { ProxycartError, trimVendorMessage, type ErrorKind } from '../../errors.js';
import type { HttpResponse } from '../../http/client.js';

// ProxyScrape answers failures as `{success: false, error: "<sentence>"}` with an HTTP code.
// The documented sentences are matched exactly first, then by pattern, then by HTTP code.

const VENDOR = 'ProxyScrape';

export const MESSAGES = {
  pricing: 'Missing or invalid pricing configuration.',
  funds: 'Insufficient wallet balance.',
  identity: 'Could not determine account email from authenticated identity.',
  writeDenied: 'API ordering is not enabled for this account. Contact support to request access.',
  readDenied: 'Reading order status via the API-ordering endpoint is not enabled for this account. Contact support to request access.',
  notFound: 'Order not found.',
} as const;

interface Meaning {
  kind: ErrorKind;
  message: string;
  advice?: string;
}

const WRITE_ADVICE =
  'Ask ProxyScrape support to grant the account:api_ordering:write permission (it is off by default); nothing was charged.';
const EITHER_ADVICE =
  'Ask ProxyScrape support to grant account:api_ordering:write (orders) and account:api_ordering:read (status, wallet).';
const READ_ADVICE =
  'Ask ProxyScrape support to grant the account:api_ordering:read permission (it is off by default) to read order status and the wallet.';

const EXACT = new Map<string, Meaning>(Object.entries({
  // The vendor knows no package for this type and these fields: the arguments are what must
  // change, and nothing was charged, so this is the caller's input, not a vendor fault.
  [MESSAGES.pricing]: {
    kind: 'invalid_input',
    message: 'ProxyScrape has no package for this type and these fields.',
    advice: 'Nothing was charged. Check type, country, proxies, days or duration, bandwidth and location against the ProxyScrape checkout.',
  },
  [MESSAGES.funds]: {
    kind: 'insufficient_funds',
    message: 'The ProxyScrape wallet does not cover this order.',
    advice: 'Nothing was charged. Top up the ProxyScrape wallet or order less.',
  },
  [MESSAGES.identity]: {
    kind: 'auth',
    message: 'ProxyScrape did not accept the API key.',
    advice: 'Check PROXYSCRAPE_API_KEY: the key may be wrong, expired or revoked.',
  },
  [MESSAGES.writeDenied]: { kind: 'auth', message: 'API ordering is not enabled on this ProxyScrape account.', advice: WRITE_ADVICE },
  [MESSAGES.readDenied]: { kind: 'auth', message: 'Reading orders through the API is not enabled on this ProxyScrape account.', advice: READ_ADVICE },
  [MESSAGES.notFound]: {
    kind: 'not_found',
    message: 'ProxyScrape has no such order on this account.',
    advice: "Check the order id: ProxyScrape answers the same for an unknown id and for another account's order.",
  },
} satisfies Record<string, Meaning>));

function byPattern(text: string, status: number): Meaning {
  if (/insufficient|not enough (funds|balance)/i.test(text)) return EXACT.get(MESSAGES.funds)!;
  if (/not enabled|permission|forbidden/i.test(text) || status === 403) {
    const read = /read|status|balance/i.test(text);
    return {
      kind: 'auth',
      message: `ProxyScrape refused the request for lack of permission (HTTP ${status}).`,
      advice: read ? READ_ADVICE : EITHER_ADVICE,
    };
  }
  if (status === 401 || /api.?token|unauthori[sz]ed|authenticat/i.test(text)) {
    return { kind: 'auth', message: `ProxyScrape refused the credentials (HTTP ${status}).`, advice: EXACT.get(MESSAGES.identity)!.advice };
  }
  if (status === 404 || /not found/i.test(text)) return { kind: 'not_found', message: `ProxyScrape found no such resource (HTTP ${status}).` };
  if (/pricing|package/i.test(text)) return EXACT.get(MESSAGES.pricing)!;
  return { kind: 'vendor_error', message: `ProxyScrape rejected the request (HTTP ${status}).` };
}

/** The vendor's own sentence in an error body. */
export function messageOf(response: HttpResponse): string | undefined {
  const body = response.body as { error?: unknown; message?: unknown } | undefined;
  if (!body || typeof body !== 'object') return undefined;
  const said = body.error ?? body.message;
  if (typeof said === 'string') return said;
  return said === undefined || said === null ? undefined : JSON.stringify(said);
}

/** The error a response stands for, or undefined when it is a success. */
export function toVendorError(response: HttpResponse): ProxycartError | undefined {
  const body = response.body as { success?: unknown } | undefined;
  const failed = body !== null && typeof body === 'object' && body.success === false;
  const badStatus = response.status < 200 || response.status >= 300;
  if (!failed && !badStatus) return undefined;
  // Non-JSON failures (HTML error pages) are worded by the HTTP client itself.
  if (!failed && body === undefined) return undefined;
  const said = messageOf(response) ?? '';
  const meaning = EXACT.get(said.trim()) ?? byPattern(said, response.status);
  return new ProxycartError(meaning.kind, meaning.message, {
    vendorMessage: trimVendorMessage(said || response.body),
    advice: meaning.advice,
    httpStatus: response.status,
  });
}

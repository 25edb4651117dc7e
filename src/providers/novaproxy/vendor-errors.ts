import { ProxycartError, trimVendorMessage, type ErrorKind } from '../../errors.js';
import type { HttpResponse } from '../../http/client.js';
import { errorBodySchema } from './schemas.js';

// NovaProxy answers order problems with HTTP 422 `{"error": "..."}`; authentication and
// routing failures come from the framework as `{"message": "..."}` (e.g. 401 "Unauthenticated.").

/** The vendor's own words in an error body, whichever envelope it used. */
export function vendorMessageOf(response: HttpResponse): string | undefined {
  const parsed = errorBodySchema.safeParse(response.body);
  if (!parsed.success) return undefined;
  return parsed.data.error ?? parsed.data.message ?? undefined;
}

// The documented 422 messages, exact wording first.
const EXACT: Record<string, ErrorKind> = {
  'Insufficient balance.': 'insufficient_funds',
  'The selected plan is not active.': 'vendor_error',
  'You have reached the maximum number of orders for this plan.': 'vendor_error',
  'The entered bandwidth is not valid.': 'invalid_input',
  'The config field is required for this plan duration.': 'invalid_input',
};

// Documented messages that carry a slug, name or number, then broad patterns for wording the
// docs do not list. An unknown plan is treated as a bad argument (invalid_input): the request
// named it, and nothing was charged.
const PATTERNS: Array<[RegExp, ErrorKind]> = [
  [/^Plan '.*' not found\.$/, 'invalid_input'],
  [/^Invalid duration format '/, 'invalid_input'],
  [/^Duration '.*' is not available for plan '/, 'invalid_input'],
  [/^Missing config value for option '/, 'invalid_input'],
  [/^Option '.*' does not exist for the selected plan duration\.$/, 'invalid_input'],
  [/^Invalid value for option '/, 'invalid_input'],
  [/^Value for option '.*' must be (numeric|at least|at most|a multiple of)/, 'invalid_input'],
  [/insufficient|not enough (balance|funds)/i, 'insufficient_funds'],
  [/maximum number of orders|not active/i, 'vendor_error'],
  [/not found|invalid|required|must be|not valid|does not exist|not available/i, 'invalid_input'],
];

export function classifyVendorMessage(message: string): ErrorKind {
  const trimmed = message.trim();
  const exact = EXACT[trimmed];
  if (exact) return exact;
  for (const [pattern, kind] of PATTERNS) if (pattern.test(trimmed)) return kind;
  return 'vendor_error';
}

const ORDER_MESSAGES: Partial<Record<ErrorKind, { message: string; advice?: string }>> = {
  insufficient_funds: {
    message: 'NovaProxy refused the order: the account balance is too low.',
    advice: 'Nothing was charged. Top up the NovaProxy balance in its dashboard, or order less.',
  },
  invalid_input: {
    message: 'NovaProxy refused the order details.',
    advice: 'Nothing was charged. Fix the argument the vendor names (list_offers shows the plan rules) and try again.',
  },
  vendor_error: {
    message: 'NovaProxy refused the order.',
    advice: 'Nothing was charged. This plan cannot be ordered by this account now; choose another plan from list_offers.',
  },
};

/** The client's `toError` hook: a ProxycartError for NovaProxy's error answers, undefined for the rest. */
export function errorFromResponse(response: HttpResponse): ProxycartError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const vendorMessage = trimVendorMessage(vendorMessageOf(response));
  if (status === 401 || status === 403) {
    return new ProxycartError('auth', `NovaProxy refused the API key (HTTP ${status}).`, {
      vendorMessage,
      httpStatus: status,
      advice: 'Check NOVAPROXY_API_KEY: copy a valid API token from the NovaProxy dashboard.',
    });
  }
  if (status === 404) {
    return new ProxycartError('not_found', 'NovaProxy has no such resource (HTTP 404).', { vendorMessage, httpStatus: status });
  }
  if (status === 422) {
    const kind = vendorMessage ? classifyVendorMessage(vendorMessage) : 'vendor_error';
    const words = ORDER_MESSAGES[kind] ?? ORDER_MESSAGES.vendor_error!;
    return new ProxycartError(kind, words.message, { vendorMessage, httpStatus: status, advice: words.advice });
  }
  return undefined;
}

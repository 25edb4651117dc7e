import type { HttpResponse } from '../../http/client.js';
import type { ErrorTable, Meaning, VendorFailure } from '../../http/vendor-errors.js';

// ProxyScrape answers failures as `{success: false, error: "<sentence>"}` with an HTTP code.
// The documented sentences are matched exactly first, then by pattern, then by HTTP code.
// The broad rules keep the order the checks had before the shared interpreter: funds, then
// permission (any 403), then credentials (any 401), then not found (any 404), then pricing.

export const MESSAGES = {
  pricing: 'Missing or invalid pricing configuration.',
  funds: 'Insufficient wallet balance.',
  identity: 'Could not determine account email from authenticated identity.',
  writeDenied: 'API ordering is not enabled for this account. Contact support to request access.',
  readDenied: 'Reading order status via the API-ordering endpoint is not enabled for this account. Contact support to request access.',
  notFound: 'Order not found.',
} as const;

const WRITE_ADVICE = 'Ask ProxyScrape support to grant the account:api_ordering:write permission (it is off by default); nothing was charged.';
const EITHER_ADVICE = 'Ask ProxyScrape support to grant account:api_ordering:write (orders) and account:api_ordering:read (status, wallet).';
const READ_ADVICE = 'Ask ProxyScrape support to grant the account:api_ordering:read permission (it is off by default) to read order status and the wallet.';
const KEY_ADVICE = 'Check PROXYSCRAPE_API_KEY: the key may be wrong, expired or revoked.';

// The vendor knows no package for this type and these fields: the arguments are what must
// change, and nothing was charged, so this is the caller's input, not a vendor fault.
const PRICING: Meaning = {
  kind: 'invalid_input',
  message: 'ProxyScrape has no package for this type and these fields.',
  advice: 'Nothing was charged. Check type, country, proxies, days or duration, bandwidth and location against the ProxyScrape checkout.',
};
const FUNDS: Meaning = {
  kind: 'insufficient_funds',
  message: 'The ProxyScrape wallet does not cover this order.',
  advice: 'Nothing was charged. Top up the ProxyScrape wallet or order less.',
};

const denied = (advice: string): Meaning => ({
  kind: 'auth',
  message: (failure) => `ProxyScrape refused the request for lack of permission (HTTP ${failure.status}).`,
  advice,
});
const DENIED_READ = denied(READ_ADVICE);
const DENIED = denied(EITHER_ADVICE);
const BAD_KEY: Meaning = { kind: 'auth', message: (failure) => `ProxyScrape refused the credentials (HTTP ${failure.status}).`, advice: KEY_ADVICE };
const NOT_FOUND: Meaning = { kind: 'not_found', message: (failure) => `ProxyScrape found no such resource (HTTP ${failure.status}).` };

const PERMISSION = /not enabled|permission|forbidden/i;
const READ_WORDS = /read|status|balance/i;
// Any message: used with `status` to let an HTTP code win over the patterns after it.
const ANY = /^/;

export const errorTable: ErrorTable = {
  vendor: 'ProxyScrape',
  read(response: HttpResponse): VendorFailure | undefined {
    const body = response.body as { success?: unknown; error?: unknown; message?: unknown } | undefined;
    const failed = body !== null && typeof body === 'object' && body.success === false;
    const badStatus = response.status < 200 || response.status >= 300;
    if (!failed && !badStatus) return undefined;
    // Non-JSON failures (HTML error pages) are worded by the HTTP client itself.
    if (!failed && body === undefined) return undefined;
    const said = body?.error ?? body?.message;
    const message = typeof said === 'string' ? said : said === undefined || said === null ? '' : JSON.stringify(said);
    return { status: response.status, messages: message ? [message] : [] };
  },
  exact: {
    [MESSAGES.pricing]: PRICING,
    [MESSAGES.funds]: FUNDS,
    [MESSAGES.identity]: { kind: 'auth', message: 'ProxyScrape did not accept the API key.', advice: KEY_ADVICE },
    [MESSAGES.writeDenied]: { kind: 'auth', message: 'API ordering is not enabled on this ProxyScrape account.', advice: WRITE_ADVICE },
    [MESSAGES.readDenied]: { kind: 'auth', message: 'Reading orders through the API is not enabled on this ProxyScrape account.', advice: READ_ADVICE },
    [MESSAGES.notFound]: {
      kind: 'not_found',
      message: 'ProxyScrape has no such order on this account.',
      advice: "Check the order id: ProxyScrape answers the same for an unknown id and for another account's order.",
    },
  },
  broad: [
    { pattern: /insufficient|not enough (funds|balance)/i, meaning: FUNDS },
    // A permission refusal about reading (status, wallet) asks for the read grant.
    { pattern: /^(?=[\s\S]*(?:read|status|balance))(?=[\s\S]*(?:not enabled|permission|forbidden))/i, meaning: DENIED_READ },
    { pattern: PERMISSION, meaning: DENIED },
    { pattern: READ_WORDS, status: [403], meaning: DENIED_READ },
    { pattern: ANY, status: [403], meaning: DENIED },
    { pattern: /api.?token|unauthori[sz]ed|authenticat/i, meaning: BAD_KEY },
    { pattern: ANY, status: [401], meaning: BAD_KEY },
    { pattern: /not found/i, meaning: NOT_FOUND },
    { pattern: ANY, status: [404], meaning: NOT_FOUND },
    { pattern: /pricing|package/i, meaning: PRICING },
  ],
  // When the vendor gave no sentence at all.
  status: { 401: BAD_KEY, 403: DENIED, 404: NOT_FOUND },
  fallback: { kind: 'vendor_error', message: (failure) => `ProxyScrape rejected the request (HTTP ${failure.status}).` },
};

import * as z from 'zod';
import type { HttpResponse } from '../../http/client.js';
import type { ErrorTable, Meaning } from '../../http/vendor-errors.js';

// NovaProxy answers order problems with HTTP 422 `{"error": "..."}`; authentication and
// routing failures come from the framework as `{"message": "..."}` (e.g. 401 "Unauthenticated.").
// Read by the shared interpreter in http/vendor-errors.ts.

/** The error envelope of order validation (422) and Laravel's own (401, 404, 403). */
export const errorBodySchema = z.looseObject({ error: z.string().nullish(), message: z.string().nullish() });

const ORDER = 'NovaProxy refused the order details.';
const badInput: Meaning = {
  kind: 'invalid_input',
  message: ORDER,
  advice: 'Nothing was charged. Fix the argument the vendor names (list_offers shows the plan rules) and try again.',
};
const noFunds: Meaning = {
  kind: 'insufficient_funds',
  message: 'NovaProxy refused the order: the account balance is too low.',
  advice: 'Nothing was charged. Top up the NovaProxy balance in its dashboard, or order less.',
};
const refused: Meaning = {
  kind: 'vendor_error',
  message: 'NovaProxy refused the order.',
  advice: 'Nothing was charged. This plan cannot be ordered by this account now; choose another plan from list_offers.',
};
const auth: Meaning = {
  kind: 'auth',
  message: (failure) => `NovaProxy refused the API key (HTTP ${failure.status}).`,
  advice: 'Check NOVAPROXY_API_KEY: copy a valid API token from the NovaProxy dashboard.',
};

// Order validation words mean something only in a 422 (a 404 "Plan ... not found" is a missing resource).
const ORDER_STATUS = [422] as const;

export const errorTable: ErrorTable = {
  vendor: 'NovaProxy',
  read(response: HttpResponse) {
    const { status } = response;
    if (status >= 200 && status < 300) return undefined;
    const body = errorBodySchema.safeParse(response.body);
    const said = body.success ? (body.data.error ?? body.data.message) : undefined;
    return { status, messages: said ? [said] : [] };
  },
  // The documented 422 messages, exact wording.
  exact: {
    'Insufficient balance.': noFunds,
    'The selected plan is not active.': refused,
    'You have reached the maximum number of orders for this plan.': refused,
    'The entered bandwidth is not valid.': badInput,
    'The config field is required for this plan duration.': badInput,
  },
  // Documented messages that carry a slug, name or number, then broad patterns for wording the
  // docs do not list. An unknown plan is a bad argument (invalid_input): the request named it,
  // and nothing was charged.
  broad: [
    { pattern: /^Plan '.*' not found\.$/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Invalid duration format '/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Duration '.*' is not available for plan '/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Missing config value for option '/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Option '.*' does not exist for the selected plan duration\.$/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Invalid value for option '/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /^Value for option '.*' must be (numeric|at least|at most|a multiple of)/, meaning: badInput, status: ORDER_STATUS },
    { pattern: /insufficient|not enough (balance|funds)/i, meaning: noFunds, status: ORDER_STATUS },
    { pattern: /maximum number of orders|not active/i, meaning: refused, status: ORDER_STATUS },
    { pattern: /not found|invalid|required|must be|not valid|does not exist|not available/i, meaning: badInput, status: ORDER_STATUS },
  ],
  status: {
    401: auth,
    403: auth,
    404: { kind: 'not_found', message: 'NovaProxy has no such resource (HTTP 404).' },
    // A 422 whose words are not known.
    422: refused,
  },
  // Any other refusal, worded as the HTTP client words one (the vendor's words kept with it).
  fallback: { kind: 'vendor_error', message: (failure) => `NovaProxy rejected the request (HTTP ${failure.status}).` },
};

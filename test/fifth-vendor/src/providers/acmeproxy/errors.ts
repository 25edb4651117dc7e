import * as z from 'zod';
import type { HttpResponse } from '../../http/client.js';
import type { ErrorTable, Meaning } from '../../http/vendor-errors.js';

export const errorBodySchema = z.looseObject({
  ok: z.literal(false),
  problem: z.looseObject({ code: z.string().nullish(), text: z.string().nullish() }).nullish(),
});

// AcmeProxy answers failures as `{ ok: false, problem: { code, text } }` with a 4xx status.
// Read by the shared interpreter in http/vendor-errors.ts.

const badInput: Meaning = {
  kind: 'invalid_input',
  message: 'AcmeProxy refused the order details.',
  advice: 'Nothing was charged. Check the package and quantity with list_offers.',
};

export const errorTable: ErrorTable = {
  vendor: 'AcmeProxy',
  read(response: HttpResponse) {
    if (response.status >= 200 && response.status < 300) return undefined;
    const body = errorBodySchema.safeParse(response.body);
    const problem = body.success ? body.data.problem : undefined;
    return { status: response.status, messages: problem?.text ? [problem.text] : [], codes: problem?.code ? [problem.code] : [] };
  },
  exact: {
    NO_FUNDS: {
      kind: 'insufficient_funds',
      message: 'AcmeProxy refused the order: the wallet balance is too low.',
      advice: 'Nothing was charged. Top up the AcmeProxy wallet, or order less.',
    },
    BAD_KEY: { kind: 'auth', message: 'AcmeProxy refused the API key.', advice: 'Check ACMEPROXY_API_KEY in the AcmeProxy dashboard.' },
    NOT_FOUND: { kind: 'not_found', message: 'AcmeProxy has no such order.', advice: 'Check the order id returned when the order was placed.' },
    BAD_PACKAGE: badInput,
    BAD_QUANTITY: badInput,
  },
  status: {
    401: { kind: 'auth', message: 'AcmeProxy refused the API key.', advice: 'Check ACMEPROXY_API_KEY in the AcmeProxy dashboard.' },
    402: {
      kind: 'insufficient_funds',
      message: 'AcmeProxy refused the order: the wallet balance is too low.',
      advice: 'Nothing was charged. Top up the AcmeProxy wallet, or order less.',
    },
    404: { kind: 'not_found', message: 'AcmeProxy has no such resource (HTTP 404).' },
    422: badInput,
  },
  fallback: { kind: 'vendor_error', message: (failure) => `AcmeProxy rejected the request (HTTP ${failure.status}).` },
};

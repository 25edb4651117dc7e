import { ProxycartError, trimVendorMessage } from '../../errors.js';
import type { HttpResponse } from '../../http/client.js';
import { envelopeSchema } from './schemas.js';

// Proxy-Seller wraps every answer in {status, data, errors[]} and reports business errors
// with HTTP 200, so the envelope, not the status code, decides what failed.

export const VENDOR = 'Proxy-Seller';

interface VendorError {
  message: string;
  code: number | undefined;
}

function errorsOf(body: unknown): VendorError[] | undefined {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success || parsed.data.status !== 'error') return undefined;
  return (parsed.data.errors ?? []).map((e) => ({
    message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
    code: e.code === undefined || e.code === null || Number.isNaN(Number(e.code)) ? undefined : Number(e.code),
  }));
}

/** A calc answer with `status: "error"`, no errors and a filled `data.warning` is a quote, not a failure. */
function isWarningQuote(body: unknown): boolean {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return false;
  const data = parsed.data.data as { warning?: unknown } | null | undefined;
  return (parsed.data.errors ?? []).length === 0 && typeof data === 'object' && data !== null && typeof data.warning === 'string' && data.warning !== '';
}

// The vendor answers a bad key, a caller IP missing from the key's allowlist and the
// 1000 requests/minute limit with the same three errors, so no one of them can be blamed.
const ACCESS_MESSAGES = [/^error api key/i, /^ip not allowed/i, /^request limit reached/i];
const ACCESS_CODE = 503;

function isAccessError(errors: VendorError[]): boolean {
  return errors.some((e) => ACCESS_MESSAGES.some((pattern) => pattern.test(e.message.trim())));
}

// Exact messages first (the documented ones), then broad families of the same wording.
const INVALID_EXACT = new Set(['country not exists', 'tarif not found', 'incorrect goal', 'incorrect orderids']);
const INVALID_CODES = new Set([14, 29]);
const INVALID_PATTERNS = [/^set exist(s|ed) \[/i, /not exists?\b/i, /not found/i, /^incorrect\b/i, /^invalid\b/i];
const FUNDS_PATTERN = /^insufficient funds/i;

export function classifyVendorError(errors: VendorError[]): ProxycartError {
  const vendorMessage = trimVendorMessage(errors.map((e) => e.message).filter(Boolean).join(' | '));
  if (errors.length === 0) {
    return new ProxycartError('vendor_error', `${VENDOR} answered with an error status but gave no reason.`);
  }
  if (isAccessError(errors) || errors.every((e) => e.code === ACCESS_CODE)) {
    return new ProxycartError(
      'auth',
      `${VENDOR} refused access. Its answer is the same for three causes: a wrong API key, a caller IP that is not on the key's IP allowlist, or more than 1000 requests per minute.`,
      {
        vendorMessage,
        advice: 'Check PROXYSELLER_API_KEY and the IP allowlist of the key at proxy-seller.com/personal/api; if both are right, wait a minute and try again.',
      },
    );
  }
  const first = errors[0];
  const text = first.message.trim();
  if (FUNDS_PATTERN.test(text) || first.code === 16) {
    return new ProxycartError('insufficient_funds', `${VENDOR} says the balance does not cover this order.`, { vendorMessage });
  }
  if (INVALID_EXACT.has(text.toLowerCase()) || (first.code !== undefined && INVALID_CODES.has(first.code)) || INVALID_PATTERNS.some((p) => p.test(text))) {
    const hint = /goal/i.test(text) ? ' Give a customTargetName (purpose of use).' : '';
    return new ProxycartError('invalid_input', `${VENDOR} refused the order fields: ${text}.${hint}`, { vendorMessage });
  }
  return new ProxycartError('vendor_error', `${VENDOR} refused the request.`, { vendorMessage });
}

/** The `toError` hook of the HTTP client. */
export function envelopeError(response: HttpResponse): ProxycartError | undefined {
  if (isWarningQuote(response.body)) return undefined;
  const errors = errorsOf(response.body);
  return errors ? classifyVendorError(errors) : undefined;
}

/** The `messageOf` hook: the vendor's own words in a failed answer. */
export function envelopeMessage(response: HttpResponse): string | undefined {
  const errors = errorsOf(response.body);
  const text = errors?.map((e) => e.message).filter(Boolean).join(' | ');
  return text || undefined;
}

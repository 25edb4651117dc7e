import { request } from 'undici';
import type * as z from 'zod';
import { ProxycartError, trimVendorMessage } from '../errors.js';
import { log } from '../log.js';
import { redact } from '../redact.js';
import { moneyTimeoutMs } from '../timeouts.js';
import { type ErrorTable, interpretVendorError, vendorWords } from './vendor-errors.js';

export interface HttpResponse<T = unknown> {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: T;
  /** The raw body text, for vendors that answer in plain text. */
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RequestSpec<T = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to the base URL; may hold path parameters already encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  /** A call that spends money: longer timeout, never retried, unknown outcome on silence. */
  money?: boolean;
  /** A money call the vendor de-duplicates (idempotency key): it may be retried like a read. */
  idempotent?: boolean;
  /**
   * The answer's shape (a tolerant zod schema), checked here so every call site validates
   * what it reads. An answer that does not fit is the vendor's failure (`vendor_unavailable`),
   * or for a money call an unknown outcome: the vendor may have taken the order.
   */
  schema?: z.ZodType<T>;
  /** What the request is, for the message when the answer does not fit (e.g. "the catalog request"). */
  what?: string;
}

export interface HttpClientOptions {
  /** The vendor's name, for messages. */
  vendor: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Time limit of one read in ms; a money call gets twice this. */
  timeoutMs: number;
  /**
   * The vendor's error table, read by the one interpreter (http/vendor-errors.ts): which
   * answers are failures (any status, including HTTP 200 bodies that say "error") and what
   * each means. Without it, every non-2xx answer is worded by the client itself.
   */
  errors?: ErrorTable;
  /** Retries after the first attempt for reads (and idempotent money calls). */
  retries?: number;
  /** Base back-off in ms between retries; doubled each time, Retry-After wins. */
  backoffMs?: number;
}

export interface HttpClient {
  request<T = unknown>(spec: RequestSpec<T>): Promise<HttpResponse<T>>;
}

// Errors raised before any byte of the request left this machine: nothing can have happened.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_RETRY_AFTER_S = 10;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 300;
  const base = options.baseUrl.replace(/\/+$/, '');
  const { errors } = options;
  const toError = (response: HttpResponse) => (errors ? interpretVendorError(errors, response) : undefined);
  const messageOf = (response: HttpResponse) => (errors ? vendorWords(errors, response) : undefined);

  async function attempt(spec: RequestSpec): Promise<HttpResponse> {
    const url = new URL(base + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...spec.headers };
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    // Each request gets its own controller: a shared signal leaks listeners on Node 20.
    const controller = new AbortController();
    const limitMs = spec.money ? moneyTimeoutMs(options.timeoutMs) : options.timeoutMs;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${limitMs / 1000} s`)), limitMs);
    try {
      const res = await request(url, { method: spec.method, headers, body, signal: controller.signal });
      const text = await res.body.text();
      let parsed: unknown;
      if (text.trim()) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      return { status: res.statusCode, body: parsed, text, headers: res.headers };
    } finally {
      clearTimeout(timer);
    }
  }

  function networkFailure(spec: RequestSpec, error: unknown): ProxycartError {
    const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
    const reason = redact(error instanceof Error ? error.message : String(error));
    const notSent = code !== undefined && NOT_SENT_CODES.has(code);
    if (notSent)
      return refusal(
        new ProxycartError('vendor_unavailable', `${options.vendor} could not be reached (${reason}).`, { advice: 'Nothing was sent. Try again in a minute.' }),
      );
    if (spec.money && !spec.idempotent) {
      return new ProxycartError('outcome_unknown', `The order request may have reached ${options.vendor}, but no answer came back (${reason}).`);
    }
    return new ProxycartError('vendor_unavailable', `${options.vendor} could not be reached (${reason}).`);
  }

  function statusFailure(spec: RequestSpec, response: HttpResponse): ProxycartError {
    const vendorMessage = trimVendorMessage(response.body === undefined ? stripHtml(response.text) : (messageOf(response) ?? response.body));
    const { status } = response;
    if (status === 429) {
      return new ProxycartError('rate_limited', `${options.vendor} is rate limiting requests.`, {
        vendorMessage,
        retryAfterSeconds: retryAfterSeconds(response),
        httpStatus: status,
      });
    }
    if (status >= 500) {
      if (spec.money && !spec.idempotent) {
        return new ProxycartError('outcome_unknown', `${options.vendor} failed (HTTP ${status}) while taking the order; it may or may not have been placed.`, {
          vendorMessage,
          httpStatus: status,
        });
      }
      return new ProxycartError('vendor_unavailable', `${options.vendor} failed with HTTP ${status}.`, { vendorMessage, httpStatus: status });
    }
    if (status === 401 || status === 403) {
      return new ProxycartError('auth', `${options.vendor} refused the credentials (HTTP ${status}).`, { vendorMessage, httpStatus: status });
    }
    if (status === 404) {
      return new ProxycartError('not_found', `${options.vendor} has no such resource (HTTP 404).`, { vendorMessage, httpStatus: status });
    }
    return new ProxycartError('vendor_error', `${options.vendor} rejected the request (HTTP ${status}).`, { vendorMessage, httpStatus: status });
  }

  async function requestOnce(spec: RequestSpec): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
      response = await attempt(spec);
    } catch (error) {
      throw networkFailure(spec, error);
    }
    // Overload and server failures are worded here, the same for every vendor; the vendor's
    // envelope decides the rest (including errors inside HTTP 200 bodies).
    if (response.status === 429 || response.status >= 500) {
      const failure = statusFailure(spec, response);
      // A server failure during a money call may come after the vendor committed the order.
      throw response.status >= 500 && spec.money ? failure : refusal(failure);
    }
    const vendorError = toError(response);
    if (vendorError) throw refusal(vendorError);
    if (response.status < 200 || response.status >= 300) throw refusal(statusFailure(spec, response));
    if (response.body === undefined && response.text.trim() !== '') {
      const message = `${options.vendor} answered with a body that is not JSON.`;
      if (spec.money && !spec.idempotent) {
        throw new ProxycartError('outcome_unknown', `${message} The order may have been placed.`, {
          vendorMessage: trimVendorMessage(stripHtml(response.text)),
        });
      }
      throw new ProxycartError('vendor_unavailable', message, { vendorMessage: trimVendorMessage(stripHtml(response.text)) });
    }
    return response;
  }

  return {
    async request<T>(spec: RequestSpec<T>): Promise<HttpResponse<T>> {
      const response = await send(spec);
      if (!spec.schema) return response as HttpResponse<T>;
      const parsed = spec.schema.safeParse(response.body);
      if (parsed.success) return { ...response, body: parsed.data };
      const what = spec.what ?? `${spec.method} ${spec.path.split('?')[0]}`;
      if (spec.money) {
        throw new ProxycartError(
          'outcome_unknown',
          `${options.vendor} accepted ${what} (HTTP ${response.status}) but its answer holds nothing proxycart can read; the order may have been placed.`,
        );
      }
      throw new ProxycartError('vendor_unavailable', `${options.vendor} answered ${what} with a body proxycart cannot read.`);
    },
  };

  async function send(spec: RequestSpec<unknown>): Promise<HttpResponse> {
    const mayRetry = !spec.money || spec.idempotent === true;
    const started = Date.now();
    // Whether an earlier attempt of this money call may have reached the vendor: then a
    // later refusal does not mean nothing was charged.
    let mayHaveReached = false;
    for (let tryNumber = 0; ; tryNumber++) {
      try {
        return await requestOnce(spec);
      } catch (error) {
        if (!(error instanceof ProxycartError)) throw error;
        if (spec.money) {
          if (mayHaveReached && error.details.nothingCharged) throw unclear(tryNumber + 1, error);
          mayHaveReached ||= !error.details.nothingCharged;
        }
        const transient = error.kind === 'vendor_unavailable' || error.kind === 'rate_limited';
        const retryAfter = error.details.retryAfterSeconds;
        const retryable =
          mayRetry &&
          transient &&
          tryNumber < retries &&
          (retryAfter === undefined || retryAfter <= MAX_RETRY_AFTER_S) &&
          // A money call that already used up one time limit (a hang) is not tried again:
          // the person hears at once, and reconciliation takes over.
          !(spec.money && Date.now() - started >= moneyTimeoutMs(options.timeoutMs));
        if (!retryable) throw spec.money && transient && mayHaveReached ? unclear(tryNumber + 1, error) : error;
        const waitMs = retryAfter !== undefined ? retryAfter * 1000 : backoffMs * 2 ** tryNumber;
        log('debug', `${options.vendor} ${spec.method} ${spec.path}: ${error.kind}, retry ${tryNumber + 1} in ${waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /** The end of an idempotent money call whose attempts gave no clear answer. */
  function unclear(attempts: number, last: ProxycartError): ProxycartError {
    return new ProxycartError(
      'outcome_unknown',
      `${options.vendor} gave no clear answer to the order request after ${attempts} attempt(s) with the same idempotency key; it may have been placed.`,
      {
        vendorMessage: last.details.vendorMessage,
        httpStatus: last.details.httpStatus,
      },
    );
  }
}

/** Mark an error the vendor answered with (or that never left): nothing can have been charged. */
function refusal(error: ProxycartError): ProxycartError {
  if (error.kind !== 'outcome_unknown') error.details.nothingCharged = true;
  return error;
}

function retryAfterSeconds(response: HttpResponse): number | undefined {
  const header = response.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function stripHtml(text: string): string {
  return text.replace(/<[^>]*>/g, ' ');
}

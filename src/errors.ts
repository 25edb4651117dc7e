import type { CallToolResult } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import { redact } from './redact.js';

export type ErrorKind =
  | 'invalid_input'
  | 'policy'
  | 'auth'
  | 'insufficient_funds'
  | 'not_found'
  | 'rate_limited'
  | 'vendor_unavailable'
  | 'vendor_error'
  | 'outcome_unknown'
  | 'not_supported'
  | 'configuration'
  | 'storage';

const DEFAULT_ADVICE: Record<ErrorKind, string> = {
  invalid_input: 'Fix the arguments and call again.',
  policy: 'This is a proxycart safety rule; a person can change it in the server configuration.',
  auth: "Check the vendor API key and the account's API permissions.",
  insufficient_funds: 'Top up the vendor wallet or choose a smaller order.',
  not_found: 'Check the id; proxycart_orders lists the orders placed through proxycart, list_offers the offers.',
  rate_limited: 'Wait a moment before calling again.',
  vendor_unavailable: 'The vendor did not answer properly; try again in a minute.',
  vendor_error: 'The vendor refused the request; read its message and adjust the request.',
  outcome_unknown: 'Do not place the order again: call order_status (or confirm again with the same token) to learn whether it went through.',
  not_supported: 'This vendor does not offer this; use another tool or vendor.',
  configuration: 'Fix the server configuration and restart it.',
  storage:
    'Nothing was sent to a vendor. Check that the data folder (PROXYCART_HOME) exists, is writable by this user and has free space, or that PROXYCART_STORE points at a reachable store.',
};

export interface ErrorDetails {
  advice?: string;
  /** The vendor's own words, trimmed. */
  vendorMessage?: string;
  retryAfterSeconds?: number;
  httpStatus?: number;
  /**
   * Set by the HTTP client when the vendor certainly did not take the request: it answered
   * with a refusal, or the request never left this machine. The guard records a money call
   * as failed only then; any other failure of a money call is an unknown outcome.
   */
  nothingCharged?: boolean;
}

export class ProxycartError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'ProxycartError';
    this.kind = kind;
    this.details = details;
  }

  get advice(): string {
    return this.details.advice ?? DEFAULT_ADVICE[this.kind];
  }
}

const VENDOR_MESSAGE_LIMIT = 300;

export function trimVendorMessage(message: unknown): string | undefined {
  if (message === undefined || message === null) return undefined;
  const text = (typeof message === 'string' ? message : JSON.stringify(message)).replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > VENDOR_MESSAGE_LIMIT ? `${text.slice(0, VENDOR_MESSAGE_LIMIT)}…` : text;
}

/** Any thrown value as a ProxycartError; unknown failures keep their message but never a stack. */
export function asProxycartError(error: unknown): ProxycartError {
  if (error instanceof ProxycartError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProxycartError('vendor_error', `Unexpected failure: ${message}`, {
    advice: 'This is likely a proxycart bug; the request may be retried once, and reported if it repeats.',
  });
}

/** One sentence-per-part text for a person or a model: kind, what happened, what to do, vendor words. */
export function describeError(error: ProxycartError): string {
  const parts = [`${error.kind}: ${error.message}`, error.advice];
  if (error.details.retryAfterSeconds !== undefined) parts.push(`Retry after ${error.details.retryAfterSeconds} s.`);
  if (error.details.vendorMessage) parts.push(`Vendor said: "${error.details.vendorMessage}"`);
  return redact(parts.join(' '));
}

/** The one place an error becomes a tool result: isError, no structuredContent, no secrets. */
export function toErrorResult(error: unknown): CallToolResult {
  const failure = asProxycartError(error);
  return { isError: true, content: [{ type: 'text', text: describeError(failure) }] };
}

/** The one wording of zod issues: where and what, at most five, bounded in length. */
export function describeIssues(error: z.ZodError, what = 'arguments'): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : what;
    return `${where.slice(0, 80)}: ${issue.message.slice(0, 200)}`;
  });
  if (error.issues.length > 5) lines.push(`and ${error.issues.length - 5} more`);
  return `Invalid ${what}: ${lines.join('; ')}.`;
}

/** Input parsed by `schema`, or an invalid_input error naming each problem. */
export function parseArguments<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ProxycartError('invalid_input', describeIssues(parsed.error));
  return parsed.data;
}

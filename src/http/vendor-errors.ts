import { type ErrorKind, ProxycartError, trimVendorMessage } from '../errors.js';
import type { HttpResponse } from './client.js';

// The one interpreter of vendor error answers. Each provider declares, in its errors.ts, how
// to read a failure out of its envelope and a table of what the failure means: exact vendor
// messages (or codes) first, then broad patterns, then the HTTP status, then a fallback.
// Rate limits (429) and server failures (5xx) never reach it: the HTTP client words those
// the same for every vendor.

/** What a failed vendor answer said. */
export interface VendorFailure {
  status: number;
  /** The vendor's own sentences, in the order it gave them (empty when it gave none). */
  messages: string[];
  /** Machine codes the vendor gave with them, as strings. */
  codes?: string[];
}

/** What a failure means: the kind, and our words (fixed, or built from the failure). */
export interface Meaning {
  kind: ErrorKind;
  message: string | ((failure: VendorFailure) => string);
  advice?: string;
}

export interface ErrorTable {
  /** The vendor's name, for messages. */
  vendor: string;
  /**
   * Reads a failure from an answer: undefined when the answer is a success (whatever its
   * status: some vendors report errors with HTTP 200, and some 4xx answers are not errors).
   */
  read(response: HttpResponse): VendorFailure | undefined;
  /** Exact vendor messages (compared trimmed, case-insensitively) and codes. */
  exact?: Record<string, Meaning>;
  /** Patterns tested on each message; the first that matches wins. `status` limits one to those HTTP codes. */
  broad?: Array<{ pattern: RegExp; meaning: Meaning; status?: readonly number[] }>;
  /** By HTTP status, when no message matched. */
  status?: Record<number, Meaning>;
  /** When nothing else matched. */
  fallback: Meaning;
}

function meaningOf(table: ErrorTable, failure: VendorFailure): Meaning {
  const exact = new Map(Object.entries(table.exact ?? {}).map(([key, meaning]) => [key.trim().toLowerCase(), meaning]));
  for (const said of [...failure.messages, ...(failure.codes ?? [])]) {
    const found = exact.get(said.trim().toLowerCase());
    if (found) return found;
  }
  for (const rule of table.broad ?? []) {
    if (rule.status && !rule.status.includes(failure.status)) continue;
    if (failure.messages.some((message) => rule.pattern.test(message.trim()))) return rule.meaning;
  }
  return table.status?.[failure.status] ?? table.fallback;
}

/** The vendor's own words in a failed answer, joined. */
export function vendorWords(table: ErrorTable, response: HttpResponse): string | undefined {
  const text = table.read(response)?.messages.filter(Boolean).join(' | ');
  return text || undefined;
}

/** The error a vendor answer stands for, or undefined when it is a success. */
export function interpretVendorError(table: ErrorTable, response: HttpResponse): ProxycartError | undefined {
  const failure = table.read(response);
  if (!failure) return undefined;
  const meaning = meaningOf(table, failure);
  const message = typeof meaning.message === 'function' ? meaning.message(failure) : meaning.message;
  return new ProxycartError(meaning.kind, message, {
    // A failure without a sentence keeps the whole answer as the vendor's words.
    vendorMessage: trimVendorMessage(failure.messages.filter(Boolean).join(' | ') || response.text || undefined),
    httpStatus: failure.status,
    advice: meaning.advice,
  });
}

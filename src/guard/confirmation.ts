import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Environment } from '../environment.js';
import type { PreparedOrder, ProviderId } from '../providers/types.js';
import type { Store } from '../store.js';
import type { Quote } from './quote.js';
import type { RecoverRule } from './reconcile.js';

// A confirmation token is bound to one quote and to the exact arguments it priced. The
// store keeps only a hash of the token, so a leaked store cannot be used to confirm.

export const QUOTE_TTL_MS = 10 * 60 * 1000;

/**
 * What a token binds beside the arguments and the environment: the operation and the order it
 * changes. The guard compares bindings; it never reads what they name.
 */
export interface Binding {
  operation: string;
  target: string;
}

export interface QuoteRecord {
  id: string;
  provider: ProviderId;
  /** Absent for a new order. */
  binding?: Binding;
  /** How an unanswered call is learnt, when not the provider's own rule. */
  recover?: RecoverRule;
  environment: Environment;
  /** The order arguments as quoted: the order is priced again from them right before it is sent. */
  args: Record<string, unknown>;
  argsHash: string;
  prepared: PreparedOrder;
  quote: Quote;
  /** Sent to vendors that de-duplicate orders; fixed at quote time so every retry reuses it. */
  idempotencyKey: string;
  expiresAt: number;
}

export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 40);
}

/** Hash of the environment, the binding (for a change) and the arguments as the tool parsed them, keys sorted, so equal calls hash alike. */
export function hashArguments(environment: Environment, args: Record<string, unknown>, binding?: Binding): string {
  const bound = binding ? `${binding.operation}\n${binding.target}\n` : '';
  return createHash('sha256')
    .update(`${environment.id}\n${bound}${canonicalJson(args)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function issueToken(
  store: Store,
  fields: Pick<QuoteRecord, 'provider' | 'environment' | 'args' | 'argsHash' | 'prepared' | 'quote' | 'binding' | 'recover'>,
): Promise<{ token: string; record: QuoteRecord }> {
  const token = `pct_${randomBytes(24).toString('base64url')}`;
  const record: QuoteRecord = { ...fields, id: tokenId(token), idempotencyKey: randomUUID(), expiresAt: Date.now() + QUOTE_TTL_MS };
  await store.set(`quote:${record.id}`, record, QUOTE_TTL_MS);
  return { token, record };
}

export function findQuote(store: Store, id: string): Promise<QuoteRecord | undefined> {
  return store.get<QuoteRecord>(`quote:${id}`);
}

export function forgetQuote(store: Store, id: string): Promise<void> {
  return store.delete(`quote:${id}`);
}

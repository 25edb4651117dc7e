import { createHmac } from 'node:crypto';
import type { ProviderId } from './providers/types.js';

/**
 * Where an order's money would go: the simulators (play money) or one live account. A
 * quote is bound to it, so a token issued against the simulators, another base URL or
 * another API key never confirms anything here; and the ledger keeps sandbox and live
 * spending in separate books.
 */
export interface Environment {
  sandbox: boolean;
  /** `sandbox:<provider>` (the simulators' ports change between runs), or `live:<provider>:<base URL>:<key fingerprint>`. */
  id: string;
}

export function environmentOf(provider: ProviderId, sandbox: boolean, baseUrl?: string, apiKey?: string): Environment {
  if (sandbox) return { sandbox, id: `sandbox:${provider}` };
  return { sandbox, id: `live:${provider}:${baseUrl ?? ''}:${keyFingerprint(apiKey ?? '')}` };
}

/** A keyed hash of an API key (the key is the HMAC key), so the fingerprint tells nothing about it. */
export function keyFingerprint(apiKey: string): string {
  return createHmac('sha256', apiKey).update('proxycart key fingerprint').digest('hex').slice(0, 24);
}

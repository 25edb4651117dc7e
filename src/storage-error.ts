import { ProxycartError } from './errors.js';
import { redact } from './redact.js';

// A failure of the store or the books themselves (a lost connection, a full disk), as opposed
// to a refusal of ours, reaches the caller as a `storage` error: never raw, never a secret.

/** Runs `work`; anything it throws that is not already a ProxycartError becomes a `storage` error. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asStorageError(error);
  }
}

function asStorageError(error: unknown): ProxycartError {
  if (error instanceof ProxycartError) return error;
  return new ProxycartError('storage', `The proxycart store could not be read or written (${storageReason(error)}).`);
}

/** The cause of a store failure in a few words, redacted. */
export function storageReason(error: unknown): string {
  return redact(error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)).slice(0, 200);
}

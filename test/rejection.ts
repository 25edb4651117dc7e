import { expect } from 'vitest';
import { ProxycartError } from '../src/errors.js';

/**
 * The ProxycartError a promise rejects with. Fails the test when it resolves, rejects with
 * anything else, or when any of `secrets` shows in what the error says.
 */
export async function rejection(promise: Promise<unknown>, secrets: readonly string[] = []): Promise<ProxycartError> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error('expected a rejection');
  expect(outcome.error).toBeInstanceOf(ProxycartError);
  const error = outcome.error as ProxycartError;
  const said = [error.message, error.advice, JSON.stringify(error.details), String(error.stack)].join(' ');
  for (const secret of secrets) expect(said).not.toContain(secret);
  return error;
}

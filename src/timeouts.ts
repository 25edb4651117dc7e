// Kept apart from client.ts so start-up code can use it without loading undici.

/** The time limit of a money call: twice a read's (design.md). */
export function moneyTimeoutMs(readTimeoutMs: number): number {
  return readTimeoutMs * 2;
}

import * as z from 'zod';

/**
 * The longest a tool call waits (wait_seconds) before it answers. Agent frameworks (LangChain,
 * the OpenAI Agents SDK) time a request out after 60 s even while progress arrives, so a wait
 * ends at 45 s and the call answers before 55 s; a longer wait_seconds is cut to this.
 */
export const MAX_WAIT_SECONDS = 45;

/**
 * The wait_seconds field: 0 to 300 accepted (design.md), every wait cut to MAX_WAIT_SECONDS.
 * The bounds are a check rather than min/max, so tools/list does not advertise a 300 s wait
 * that no call gives (and pays no bytes for it); the server still refuses anything else.
 */
export const waitSecondsInput = z
  .number()
  .int()
  .refine((seconds) => seconds >= 0 && seconds <= 300, `Give 0 to 300; a call waits at most ${MAX_WAIT_SECONDS} s`)
  .optional();

/** The milliseconds a call waits for `seconds` asked (wait_seconds), never past MAX_WAIT_SECONDS. */
export function waitMs(seconds: number | undefined): number {
  return Math.min(seconds ?? 0, MAX_WAIT_SECONDS) * 1000;
}

/** Waits `ms`, or less when `signal` aborts (a cancelled tool call stops waiting at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    // The listener goes when the timer fires: a call that polls keeps one signal for every
    // sleep, and listeners left behind pile up (MaxListenersExceededWarning after 10).
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

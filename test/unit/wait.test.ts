import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MAX_WAIT_SECONDS, sleep, waitMs } from '../../src/wait.js';

describe('sleep', () => {
  it('leaves no abort listener behind on the signal a polling call shares', async () => {
    const controller = new AbortController();
    // order_status and the approval wait poll dozens of times on one request's signal.
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('still ends at once when the call is cancelled, and at once on a signal already aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await waiting;
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('waitMs', () => {
  it('cuts any wait_seconds to 45 s, so a call answers before the frameworks time it out at 60 s', () => {
    expect(MAX_WAIT_SECONDS).toBe(45);
    expect(waitMs(undefined)).toBe(0);
    expect(waitMs(10)).toBe(10_000);
    expect(waitMs(300)).toBe(45_000);
  });
});

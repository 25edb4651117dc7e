import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { connect, type Session, sandboxEnv, startVendors, textOf } from './harness.js';

// A Redis store that refuses connections (nothing listens on port 1): calls that need the
// store answer at once with the cause and Redis advice; reads that need no store still work,
// including list_offers, whose shared catalog cache lives in the store (issue 20, item 9).

let sandbox: Sandbox;
let session: Session;

beforeAll(async () => {
  sandbox = await startVendors([ID]);
  session = await connect({ env: sandboxEnv(sandbox, { PROXYCART_STORE: 'redis://127.0.0.1:1', PROXYCART_CATALOG_TTL_S: '60' }) });
});
afterAll(async () => {
  await session?.close();
  await sandbox?.close();
});

it('a call that needs the store fails at once, naming the refused connection, with Redis advice', async () => {
  for (let i = 0; i < 2; i++) {
    const started = Date.now();
    const result = await session.call('proxycart_orders');
    expect(Date.now() - started).toBeLessThan(2_000);
    const text = textOf(result);
    expect(text).toMatch(/^storage: PROXYCART_STORE: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\./);
    expect(text).toContain('Check that Redis is running and accepts connections');
    expect(text).not.toContain('PROXYCART_HOME');
    expect(text).not.toContain('within 5 s');
  }
});

it('reads that need no store work: list_offers and wallet_balance', async () => {
  const offers = await session.call(tool('list_offers'), FIXTURE.listInput);
  expect(offers.isError, textOf(offers)).toBeFalsy();
  const balance = await session.call(tool('wallet_balance'));
  expect(balance.isError, textOf(balance)).toBeFalsy();
});

it('in sandbox mode, a node with a shared store refuses in-process simulators with a configuration error', async () => {
  const alone = await connect({ env: { PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'redis://127.0.0.1:1', PROXYCART_PROVIDERS: ID } });
  try {
    const text = textOf(await alone.call(tool('list_offers'), FIXTURE.listInput));
    expect(text).toMatch(/^configuration: \w+_BASE_URL is required in sandbox mode with a shared store/);
    expect(text).toContain('proxycart sandbox');
    expect(alone.stderr.join('\n')).toContain(`${ID} blocked (configuration problem below)`);
  } finally {
    await alone.close();
  }
});

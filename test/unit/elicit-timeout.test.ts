import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server.js';
import { FIXTURE, ID, tool } from '../example.js';

// Some clients declare elicitation and never show the form: the order must not hang.
// The 2-minute limit is shortened here through the server factory's option.

const runtime = createRuntime(
  loadConfig({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory', PROXYCART_PROVIDERS: ID, PROXYCART_OPEN_BROWSER: 'never' }, PROVIDERS),
  PROVIDERS,
);
afterAll(() => runtime.close());

it('falls back to the approval page when the form is never answered', async () => {
  const server = createServer(runtime, { elicitTimeoutMs: 300 });
  const client = new Client({ name: 'silent', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  let shown = 0;
  client.setRequestHandler(ElicitRequestSchema, () => {
    shown += 1;
    return new Promise(() => undefined);
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const order = FIXTURE.order;
  const result = await client.callTool({ name: tool('place_order'), arguments: order });
  expect(shown).toBe(1);
  expect(result.isError).toBeFalsy();
  expect((result.structuredContent as { status: string }).status).toBe('approval_required');
  await client.close();
});

import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createRuntime } from '../../src/runtime.js';
import { crossVendorTools } from '../../src/tools/cross-vendor.js';
import { listedTool } from '../../src/tools/define.js';
import { providerTools } from '../../src/tools/provider-tools.js';
import { connect, type Session } from './harness.js';

// The built server lists tools from the entries the build wrote (dist/tool-listing.json)
// rather than converting schemas at start-up: what it lists must be exactly what the source
// converts, for the full server and for a read-only one.

describe('the tools/list entries written at build time', () => {
  const sessions: Session[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.close()));
  });

  it.each([
    ['every tool', {}],
    ['read-only', { PROXYCART_READ_ONLY: '1' }],
  ] as const)('%s: the built server lists what the source converts', async (_name, extra) => {
    const env = { PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory', ...extra };
    const session = await connect({ env });
    sessions.push(session);
    const { tools } = await session.client.listTools();
    const runtime = createRuntime(loadConfig(env, PROVIDERS), PROVIDERS);
    const expected = [...PROVIDERS.flatMap((spec) => providerTools(spec, runtime)), ...crossVendorTools(runtime)].map(listedTool);
    expect(tools.map((tool) => tool.name)).toEqual(expected.map((tool) => tool.name));
    expect(tools).toEqual(expected);
  });
});

// Run by the build (scripts/build.mjs): writes dist/tool-listing.json, the tools/list entry
// of every tool of every registered provider, which the built server reads at start-up
// instead of converting schemas (src/tools/listing.ts).
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { PROVIDERS } from '../src/providers/index.js';
import { createRuntime } from '../src/runtime.js';
import { crossVendorTools } from '../src/tools/cross-vendor.js';
import { listedTool } from '../src/tools/define.js';
import { providerTools } from '../src/tools/provider-tools.js';

const runtime = createRuntime(loadConfig({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' }, PROVIDERS), PROVIDERS);
const tools = [...PROVIDERS.flatMap((spec) => providerTools(spec, runtime)), ...crossVendorTools(runtime)];
const target = new URL('./tool-listing.json', import.meta.url);
writeFileSync(target, JSON.stringify(Object.fromEntries(tools.map((tool) => [tool.name, listedTool(tool)]))));

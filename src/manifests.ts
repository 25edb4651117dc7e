import { loadConfig } from './config.js';
import { PROVIDERS } from './providers/index.js';
import type { ProviderSpec } from './providers/types.js';
import { createRuntime } from './runtime.js';
import { listedTool, type ListedTool } from './tools/define.js';
import { providerTools } from './tools/provider-tools.js';

/** The tools one provider exposes with default settings, as tools/list shows them. */
export function toolManifest(spec: ProviderSpec): ListedTool[] {
  const config = loadConfig({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' }, PROVIDERS);
  return providerTools(spec, createRuntime(config, PROVIDERS)).map(listedTool);
}

export function manifestJson(spec: ProviderSpec): string {
  return `${JSON.stringify({ provider: spec.id, tools: toolManifest(spec) }, null, 2)}\n`;
}

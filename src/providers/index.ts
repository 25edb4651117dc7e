import type { ProviderId, ProviderSpec } from './types.js';

// The registry, in tool order. Adding a vendor is a new folder plus one line here: every
// shared suite, the CLI, the manifests and the README's tables read this list.
const modules = await Promise.all([
  import('./proxyjam/index.js'),
  import('./proxyscrape/index.js'),
  import('./proxyseller/index.js'),
  import('./novaproxy/index.js'),
]);

export const PROVIDERS: readonly ProviderSpec[] = modules.map((module) => module.provider);

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDERS.map((p) => p.id);

export function providerById(id: string): ProviderSpec | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

import { provider as novaproxy } from './novaproxy/index.js';
import { provider as proxyjam } from './proxyjam/index.js';
import { provider as proxyscrape } from './proxyscrape/index.js';
import { provider as proxyseller } from './proxyseller/index.js';
import type { ProviderId, ProviderSpec } from './types.js';

// The registry, in tool order. Adding a vendor is a new folder plus an import and a name in
// this list: every shared suite, the CLI, the manifests and the README's tables read it.
export const PROVIDERS: readonly ProviderSpec[] = [proxyjam, proxyscrape, proxyseller, novaproxy];

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDERS.map((p) => p.id);

export function providerById(id: string): ProviderSpec | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

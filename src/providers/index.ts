import type { ProviderId, ProviderSpec } from './types.js';
import { provider as proxyjam } from './proxyjam/index.js';
import { provider as proxyscrape } from './proxyscrape/index.js';
import { provider as proxyseller } from './proxyseller/index.js';
import { provider as novaproxy } from './novaproxy/index.js';

// The registry: adding a vendor is a new folder plus one line here.
export const PROVIDERS: readonly ProviderSpec[] = [proxyjam, proxyscrape, proxyseller, novaproxy];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id) as readonly ProviderId[];

export function providerById(id: string): ProviderSpec | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

import type { SettleDeps } from '../guard/reconcile.js';
import type { ProviderId, ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { moneyTimeoutMs } from '../timeouts.js';

/** What reading, placing and settling one provider's orders needs: its client and the ledger, and how it recovers a lost order. */
export type VendorDeps = SettleDeps & { providerId: ProviderId };

/** The one place these are built: order_status, place_order and check_proxy use them alike. */
export async function vendorDeps(runtime: Runtime, spec: ProviderSpec): Promise<VendorDeps> {
  const [client, ledger] = await Promise.all([runtime.client(spec.id), runtime.ledger()]);
  return {
    client,
    ledger,
    vendor: spec.title,
    capabilities: spec.capabilities,
    moneyTimeoutMs: moneyTimeoutMs(runtime.config.timeoutMs),
    providerId: spec.id,
  };
}

import type { ProviderId } from '../providers/types.js';
import type { Simulator } from './kit.js';

// Each simulator module exports `sandboxKey` (the API key it accepts) and `createSimulator()`.
interface SimulatorModule {
  sandboxKey: string;
  createSimulator(): Simulator;
}

const MODULES: Record<ProviderId, () => Promise<SimulatorModule>> = {
  proxyjam: () => import('./proxyjam.js'),
  proxyscrape: () => import('./proxyscrape.js'),
  proxyseller: () => import('./proxyseller.js'),
  novaproxy: () => import('./novaproxy.js'),
};

export interface SandboxVendor {
  baseUrl: string;
  apiKey: string;
  simulator: Simulator;
}

export interface Sandbox {
  vendors: Partial<Record<ProviderId, SandboxVendor>>;
  close(): Promise<void>;
}

/**
 * Start the simulators of `ids` on loopback, each on its own port: free ports, or
 * consecutive ones from `firstPort`.
 */
export async function startSandbox(
  ids: readonly ProviderId[] = Object.keys(MODULES) as ProviderId[],
  host = '127.0.0.1',
  firstPort?: number,
): Promise<Sandbox> {
  const vendors: Sandbox['vendors'] = {};
  for (const [index, id] of ids.entries()) {
    const module = await MODULES[id]();
    const simulator = module.createSimulator();
    const baseUrl = await simulator.listen(firstPort === undefined ? 0 : firstPort + index, host);
    vendors[id] = { baseUrl, apiKey: module.sandboxKey, simulator };
  }
  return {
    vendors,
    async close() {
      await Promise.all(Object.values(vendors).map((vendor) => vendor.simulator.close()));
    },
  };
}

/** The key each simulator accepts, without starting it. */
export async function sandboxKey(id: ProviderId): Promise<string> {
  return (await MODULES[id]()).sandboxKey;
}

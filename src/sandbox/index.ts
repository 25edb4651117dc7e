import { PROVIDERS, providerById } from '../providers/index.js';
import type { ProviderId, SimulatorModule } from '../providers/types.js';
import type { Simulator } from './kit.js';
import { movePorts, restore, type SavedSandbox, StateFile, snapshot } from './state-file.js';

// Each provider registers its simulator (spec.simulator): the sandbox knows no vendor by name.
function simulatorOf(id: ProviderId): Promise<SimulatorModule> {
  const spec = providerById(id);
  if (!spec) throw new Error(`No provider ${id} in the registry.`);
  return spec.simulator();
}

export interface SandboxVendor {
  baseUrl: string;
  apiKey: string;
  simulator: Simulator;
}

export interface Sandbox {
  vendors: Record<ProviderId, SandboxVendor>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Keep the simulators' state in this file (PROXYCART_HOME/sandbox.json): it survives restarts. */
  stateFile?: string;
}

/**
 * Start the simulators of `ids` on loopback, each on its own port: free ports, or
 * consecutive ones from `firstPort`.
 */
export async function startSandbox(
  ids: readonly ProviderId[] = PROVIDERS.map((spec) => spec.id),
  host = '127.0.0.1',
  firstPort?: number,
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const vendors: Sandbox['vendors'] = {};
  const file = options.stateFile ? new StateFile(options.stateFile) : undefined;
  const saved: SavedSandbox = file?.load() ?? {};
  for (const [index, id] of ids.entries()) {
    const module = await simulatorOf(id);
    const simulator = module.createSimulator();
    const previous = saved[id];
    if (previous) restore(simulator.state, previous.state);
    const baseUrl = await simulator.listen(firstPort === undefined ? 0 : firstPort + index, host, previous?.proxyPort ?? 0, previous?.socksPort ?? 0);
    if (previous) {
      const moves = new Map([[previous.proxyPort, simulator.proxy.port]]);
      if (previous.socksPort) moves.set(previous.socksPort, simulator.socks.port);
      movePorts(simulator.state, simulator.proxy.host, moves);
    }
    vendors[id] = { baseUrl, apiKey: module.sandboxKey, simulator };
  }
  if (file) {
    // Vendors this process does not simulate keep what the file holds for them.
    const save = () => {
      const current: SavedSandbox = { ...saved };
      for (const [id, vendor] of Object.entries(vendors))
        current[id] = { proxyPort: vendor.simulator.proxy.port, socksPort: vendor.simulator.socks.port, state: snapshot(vendor.simulator.state) };
      try {
        file.save(current);
      } catch (error) {
        // A sandbox that cannot write its file still answers; it just forgets on restart.
        process.stderr.write(`[proxycart] warning: sandbox state not saved to ${file.path}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    };
    for (const vendor of Object.values(vendors)) vendor.simulator.onChange = save;
    save();
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
  return (await simulatorOf(id)).sandboxKey;
}

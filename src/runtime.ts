import { join } from 'node:path';
import type { Config } from './config.js';
import { Ledger } from './guard/ledger.js';
import { log } from './log.js';
import type { ProviderClient, ProviderId, ProviderSpec } from './providers/types.js';
import { registerSecret } from './redact.js';
import type { Sandbox } from './sandbox/index.js';
import { openStore, type Store } from './store.js';

/**
 * What the tools run on: the enabled providers, and the store, ledger, vendor clients and
 * (in sandbox mode) simulators, each created on first use so that start-up does no I/O.
 */
export interface Runtime {
  config: Config;
  providers: readonly ProviderSpec[];
  store(): Promise<Store>;
  ledger(): Promise<Ledger>;
  client(id: ProviderId): Promise<ProviderClient>;
  close(): Promise<void>;
}

export function createRuntime(config: Config, specs: readonly ProviderSpec[]): Runtime {
  const providers = config.vendors.map((vendor) => specs.find((spec) => spec.id === vendor.id)!);
  let store: Promise<Store> | undefined;
  let ledger: Promise<Ledger> | undefined;
  let sandbox: Promise<Sandbox> | undefined;
  const clients = new Map<ProviderId, Promise<ProviderClient>>();

  const runtime: Runtime = {
    config,
    providers,
    store() {
      store ??= openStore(config.store).catch((error) => {
        store = undefined;
        throw error;
      });
      return store;
    },
    ledger() {
      ledger ??= runtime.store().then((s) => new Ledger(s));
      return ledger;
    },
    client(id) {
      let client = clients.get(id);
      if (!client) {
        client = connect(id);
        clients.set(id, client);
        client.catch(() => clients.delete(id));
      }
      return client;
    },
    async close() {
      if (store) await (await store).close().catch(() => undefined);
      if (sandbox) await (await sandbox).close().catch(() => undefined);
    },
  };

  async function connect(id: ProviderId): Promise<ProviderClient> {
    const spec = providers.find((p) => p.id === id)!;
    const vendor = config.vendors.find((v) => v.id === id)!;
    let { baseUrl, apiKey } = vendor;
    if (config.sandbox) {
      const { sandboxKey, startSandbox } = await import('./sandbox/index.js');
      apiKey = await sandboxKey(id);
      if (!baseUrl) {
        const stateFile = join(config.home, 'sandbox.json');
        sandbox ??= startSandbox(config.vendors.filter((v) => !v.baseUrl).map((v) => v.id), undefined, undefined, { stateFile }).then((started) => {
          for (const [name, v] of Object.entries(started.vendors)) log('info', `sandbox ${name} simulator at ${v.baseUrl}`);
          return started;
        });
        baseUrl = (await sandbox).vendors[id]!.baseUrl;
      }
      registerSecret(apiKey);
    }
    return spec.connect({ baseUrl: baseUrl!, apiKey: apiKey!, timeoutMs: config.timeoutMs, catalogTtlMs: config.catalogTtlMs });
  }

  return runtime;
}

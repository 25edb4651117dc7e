import { join } from 'node:path';
import type { Approvals } from './approval/approvals.js';
import type { ApprovalPage } from './approval/page.js';
import type { Config } from './config.js';
import { type Environment, environmentOf } from './environment.js';
import type { ApprovalChannel } from './guard/approval.js';
import { Ledger } from './guard/ledger.js';
import { log } from './log.js';
import type { ProviderClient, ProviderId, ProviderSpec } from './providers/types.js';
import { registerSecret } from './redact.js';
import type { Sandbox } from './sandbox/index.js';
import type { Store } from './store.js';

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
  /** The account a provider's orders are charged to; quotes and the ledger are bound to it. */
  environment(id: ProviderId): Environment;
  /** Approval records in the store and the local approval page, started on first use. */
  approvals: ApprovalChannel;
  /** The approval records themselves, for a server that serves the page on its own port (HTTP mode). */
  approvalRecords(): Promise<Approvals>;
  /**
   * HTTP mode: the page is served by the HTTP server itself at `origin` (the team's public
   * URL), instead of a page of its own on loopback, and no browser is opened on the server.
   */
  servePagesAt(origin: string): void;
  close(): Promise<void>;
}

export function createRuntime(config: Config, specs: readonly ProviderSpec[]): Runtime {
  const providers = config.vendors.map((vendor) => specs.find((spec) => spec.id === vendor.id)!);
  let store: Promise<Store> | undefined;
  let ledger: Promise<Ledger> | undefined;
  let sandbox: Promise<Sandbox> | undefined;
  const clients = new Map<ProviderId, Promise<ProviderClient>>();
  let page: Promise<Pick<ApprovalPage, 'urlFor'> & Partial<ApprovalPage>> | undefined;
  let openBrowser = config.approval.openBrowser;
  let pagesHost = 'localhost';
  const approvalRecords = async () => new (await import('./approval/approvals.js')).Approvals(await runtime.store());
  const approvalPage = () => {
    page ??= (async () => {
      const [{ startApprovalPage }, approvals] = await Promise.all([import('./approval/page.js'), approvalRecords()]);
      const options = { approvals, pin: config.approval.pin, passkeys: { mode: config.approval.passkey, store: await runtime.store() } };
      const started = await startApprovalPage({ ...options, port: config.approval.port }).catch((error: NodeJS.ErrnoException) => {
        // Another proxycart process may serve the fixed port already; any port serves any approval.
        if (error.code !== 'EADDRINUSE' || !config.approval.port) throw error;
        log('warning', `PROXYCART_APPROVAL_PORT ${config.approval.port} is taken; the approval page uses a free port instead`);
        return startApprovalPage(options);
      });
      log('info', `approval page at ${started.origin}`);
      return started;
    })().catch((error) => {
      page = undefined;
      throw error;
    });
    return page;
  };

  const runtime: Runtime = {
    config,
    providers,
    store() {
      // keyv and its drivers load with the first call that needs the store, not at start-up.
      store ??= import('./store.js')
        .then(({ openStore }) => openStore(config.store))
        .catch((error) => {
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
    environment(id) {
      const vendor = config.vendors.find((v) => v.id === id)!;
      return environmentOf(id, config.sandbox, vendor.baseUrl, vendor.apiKey);
    },
    approvals: {
      async open(quoteId, details, expiresAt, show, identity) {
        const record = await (await approvalRecords()).create(quoteId, details, expiresAt, identity);
        const url = (await approvalPage()).urlFor(record.id);
        if (show && openBrowser) void import('./approval/open-browser.js').then(({ openInBrowser }) => openInBrowser(url));
        return { record, url };
      },
      async find(quoteId) {
        const record = await (await approvalRecords()).forQuote(quoteId);
        return record && { record, url: (await approvalPage()).urlFor(record.id) };
      },
      async passkeyRequired(identity) {
        if (config.approval.passkey === 'off') return false;
        if (config.approval.passkey === 'required') return true;
        // auto: once a passkey for the page's host is enrolled. The local page is always at localhost.
        const [{ passkeyPolicy }, store] = await Promise.all([import('./approval/passkeys.js'), runtime.store()]);
        return (await passkeyPolicy(store, 'auto', pagesHost, identity)).required;
      },
    },
    approvalRecords,
    servePagesAt(origin) {
      page = Promise.resolve({ urlFor: (id: string) => `${origin}/approve/${id}` });
      pagesHost = new URL(origin).hostname;
      openBrowser = false;
    },
    async close() {
      if (page) await page.then((started) => started.close?.()).catch(() => undefined);
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
        sandbox ??= startSandbox(
          config.vendors.filter((v) => !v.baseUrl).map((v) => v.id),
          undefined,
          undefined,
          { stateFile },
        ).then((started) => {
          for (const [name, v] of Object.entries(started.vendors)) log('info', `sandbox ${name} simulator at ${v.baseUrl}`);
          return started;
        });
        baseUrl = (await sandbox).vendors[id]!.baseUrl;
      }
      registerSecret(apiKey);
    }
    // Nodes sharing a Redis store share the catalog cache too; a single process needs no more than its own.
    const sharedCatalog = config.store.kind === 'redis' ? (await import('./store-catalog.js')).storeCatalog(runtime.store) : undefined;
    return spec.connect({ baseUrl: baseUrl!, apiKey: apiKey!, timeoutMs: config.timeoutMs, catalogTtlMs: config.catalogTtlMs, sharedCatalog });
  }

  return runtime;
}

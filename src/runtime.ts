import { join } from 'node:path';
import type { Approvals } from './approval/approvals.js';
import type { ApprovalPage } from './approval/page.js';
import { type Config, configurationError, problemsFor } from './config.js';
import { type Environment, environmentOf } from './environment.js';
import type { ApprovalChannel } from './guard/approval.js';
import type { Ledger } from './ledger/ledger.js';
import { log } from './log.js';
import type { ProviderClient, ProviderId, ProviderSpec } from './providers/types.js';
import { registerSecret } from './redact.js';
import type { Sandbox } from './sandbox/index.js';
import type { Store } from './store.js';
import { isSharedStore } from './store-url.js';

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
      const [{ startApprovalPage }, { rememberedPort, rememberPort }, approvals] = await Promise.all([
        import('./approval/page.js'),
        import('./approval/page-port.js'),
        approvalRecords(),
      ]);
      const options = { approvals, pin: config.approval.pin, passkeys: { mode: config.approval.passkey, store: await runtime.store() } };
      // The configured port, else the one this data folder's page had before (links survive a restart).
      const remembered = config.approval.port ? undefined : rememberedPort(config.home);
      const port = config.approval.port ?? remembered;
      const started = await startApprovalPage({ ...options, port }).catch((error: NodeJS.ErrnoException) => {
        // Another proxycart process may serve that port already; any port serves any approval.
        if (error.code !== 'EADDRINUSE' || !port) throw error;
        const which = config.approval.port ? 'PROXYCART_APPROVAL_PORT' : `the approval page's port in ${config.home}`;
        log('warning', `${which} ${port} is taken; the approval page uses a free port instead, and links handed out earlier may not open`);
        return startApprovalPage(options);
      });
      if (!config.approval.port && started.port !== remembered) rememberPort(config.home, started.port);
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
      // The books open on the store's backend (their own tables or keys) when first asked for.
      ledger ??= Promise.all([runtime.store(), import('./ledger/open.js'), import('./ledger/ledger.js')])
        .then(async ([s, { openBooks }, { Ledger }]) => {
          const opened = new Ledger(await openBooks(s));
          // Said once, when the books open: a Redis without persistence loses them on restart.
          const warning = await opened.durabilityWarning().catch(() => undefined);
          if (warning) log('warning', warning);
          return opened;
        })
        .catch((error) => {
          ledger = undefined;
          throw error;
        });
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
      // A store or sandbox still starting may yet fail: closing must not throw for it (an
      // unhandled rejection in a SIGTERM handler exits 1).
      if (ledger) await ledger.then((l) => l.close()).catch(() => undefined);
      if (store) await store.then((s) => s.close()).catch(() => undefined);
      if (sandbox) await sandbox.then((s) => s.close()).catch(() => undefined);
    },
  };

  async function connect(id: ProviderId): Promise<ProviderClient> {
    // Cross-vendor tools reach a vendor here, not through its own tools' check in server.ts:
    // a vendor with a configuration problem answers them the same configuration error.
    const blocked = problemsFor(config, id);
    if (blocked.length) throw configurationError(blocked);
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
    // Nodes sharing a Redis or Postgres store share the catalog cache too; a single process needs no more than its own.
    const sharedCatalog = isSharedStore(config.store) ? (await import('./store-catalog.js')).storeCatalog(runtime.store) : undefined;
    return spec.connect({ baseUrl: baseUrl!, apiKey: apiKey!, timeoutMs: config.timeoutMs, catalogTtlMs: config.catalogTtlMs, sharedCatalog });
  }

  return runtime;
}

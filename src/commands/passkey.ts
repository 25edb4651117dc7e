import type { ApprovalPage } from '../approval/page.js';
import { createEnrolment, type Enrolment, enrolmentClosed, getEnrolment, listPasskeys, removePasskey } from '../approval/passkeys.js';
import type { Config } from '../config.js';
import { ProxycartError } from '../errors.js';
import type { Store } from '../store.js';
import { DEFAULT_HTTP_PORT } from '../transports/http-settings.js';

// `proxycart passkey add [NAME] [--identity ID] | list | remove NAME`, and the enrolment link
// of `proxycart token add NAME ... --passkey`. A link is one-time and lasts 10 minutes.
//
// On one computer (no PROXYCART_PUBLIC_URL, no --identity) this command serves the enrolment
// page itself on localhost until the passkey is enrolled or the link expires: no server
// needs to run. For a team the link is the HTTP server's (PROXYCART_PUBLIC_URL, else
// localhost at PROXYCART_HTTP_PORT), and the enrolment lands in the store both share.

const USAGE = 'Usage: proxycart passkey add [NAME] [--identity ID] | proxycart passkey list | proxycart passkey remove NAME';
const POLL_MS = 500;

type Print = (line: string) => void;

async function openStoreOf(config: Config): Promise<Store> {
  const shared = config.problems.filter((p) => p.scope === 'shared');
  if (shared.length) throw new ProxycartError('configuration', shared.map((p) => p.message).join(' '));
  if (config.store.kind === 'memory')
    throw new ProxycartError('configuration', 'PROXYCART_STORE=memory forgets passkeys when this command ends: use the server’s store.');
  const { openStore } = await import('../store.js');
  return openStore(config.store);
}

/** `token:alice` for a tokens-file client named alice; `token:…` and `oauth:…` are taken as given. */
export function identityOf(name: string): string {
  return /^(token|oauth):/.test(name) ? name : `token:${name}`;
}

/** The first name not taken: `base`, then `base-2`, `base-3`, … */
async function freeName(store: Store, base: string): Promise<string> {
  const taken = new Set((await listPasskeys(store)).map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Where the team's HTTP server serves enrolment pages. */
function teamOrigin(env: NodeJS.ProcessEnv): string {
  const configured = env.PROXYCART_PUBLIC_URL?.trim();
  if (configured) return new URL(configured).origin;
  return `http://localhost:${env.PROXYCART_HTTP_PORT?.trim() || DEFAULT_HTTP_PORT}`;
}

/** Issues an enrolment link (for `identity`'s orders, when given) that the team's HTTP server serves. */
export async function teamEnrolmentLink(
  store: Store,
  identity: string | undefined,
  name: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ enrolment: Enrolment; url: string }> {
  const enrolment = await createEnrolment(store, name ?? (await freeName(store, identity?.replace(/^(token|oauth):/, '') ?? 'passkey')), identity);
  return { enrolment, url: `${teamOrigin(env)}/passkey/${enrolment.id}` };
}

/** `token add NAME --passkey`: the enrolment link for NAME's own passkey. */
export async function enrolPasskeyFor(config: Config, client: string): Promise<string> {
  const store = await openStoreOf(config);
  try {
    return (await teamEnrolmentLink(store, identityOf(client), undefined, process.env)).url;
  } finally {
    await store.close();
  }
}

// The caller (cli.ts) reads the configuration: importing config.ts here would make esbuild
// split it into a file of its own, one more for every start-up to read.
export async function passkeyCommand(argv: string[], config: Config, out: Print, err: Print): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'list' && rest.length === 0) return list(await openStoreOf(config), out);
  if (action === 'remove' && rest.length === 1) {
    const store = await openStoreOf(config);
    try {
      const removed = await removePasskey(store, rest[0]!);
      out(`removed passkey ${removed.name}${removed.identity ? ` (${removed.identity})` : ''}; it approves nothing here any more.`);
    } finally {
      await store.close();
    }
    return;
  }
  if (action !== 'add') throw new ProxycartError('configuration', USAGE);
  const at = rest.indexOf('--identity');
  const identity = at >= 0 ? rest[at + 1] : undefined;
  if (at >= 0 && (!identity || identity.startsWith('--'))) throw new ProxycartError('configuration', '--identity needs a client name.');
  const names = at < 0 ? rest : rest.filter((_, i) => i !== at && i !== at + 1);
  if (names.length > 1 || names[0]?.startsWith('--')) throw new ProxycartError('configuration', USAGE);
  const store = await openStoreOf(config);
  try {
    if (identity !== undefined || process.env.PROXYCART_PUBLIC_URL?.trim()) {
      const { enrolment, url } = await teamEnrolmentLink(store, identity === undefined ? undefined : identityOf(identity), names[0], process.env);
      out(url);
      const whose = enrolment.identity ? ` for ${enrolment.identity}` : '';
      err(`proxycart: the link above enrols the passkey ${enrolment.name}${whose} within 10 minutes; the proxycart HTTP server serves it.`);
      return;
    }
    await enrolHere(config, store, names[0] ?? (await freeName(store, 'passkey')), out, err);
  } finally {
    await store.close();
  }
}

async function list(store: Store, out: Print): Promise<void> {
  try {
    const passkeys = await listPasskeys(store);
    if (passkeys.length === 0) return out('No passkey is enrolled. proxycart passkey add enrols one.');
    for (const p of passkeys) {
      const used = p.lastUsedAt ? `last used ${new Date(p.lastUsedAt).toISOString()}` : 'never used';
      out(`${p.name}\t${p.identity ?? '-'}\t${p.rpId}\tenrolled ${new Date(p.createdAt).toISOString()}\t${used}`);
    }
  } finally {
    await store.close();
  }
}

/** Serves the enrolment page on localhost until the passkey is enrolled or the link expires. */
async function enrolHere(config: Config, store: Store, name: string, out: Print, err: Print): Promise<void> {
  const enrolment = await createEnrolment(store, name);
  const [{ startApprovalPage }, { Approvals }] = await Promise.all([import('../approval/page.js'), import('../approval/approvals.js')]);
  const options = { approvals: new Approvals(store), passkeys: { mode: config.approval.passkey, store } };
  const page: ApprovalPage = await startApprovalPage({ ...options, port: config.approval.port }).catch((error: NodeJS.ErrnoException) => {
    // The MCP server may hold the fixed port; a passkey for localhost works on any port.
    if (error.code !== 'EADDRINUSE' || !config.approval.port) throw error;
    return startApprovalPage(options);
  });
  const url = `${page.origin}/passkey/${enrolment.id}`;
  out(url);
  err(`proxycart: open the link above within 10 minutes to enrol the passkey ${name} (Ctrl-C stops).`);
  if (config.approval.openBrowser) await (await import('../approval/open-browser.js')).openInBrowser(url);
  try {
    for (;;) {
      const now = await getEnrolment(store, enrolment.id);
      if (now?.enrolled) {
        err(`proxycart: enrolled the passkey ${name}. Approve on the approval page now asks for it.`);
        return;
      }
      const closed = enrolmentClosed(now);
      if (closed) throw new ProxycartError('policy', `${closed} Nothing was enrolled.`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await page.close();
  }
}

import type { Config } from '../config.js';
import { addToken, SCOPES } from '../transports/tokens-file.js';
import { UsageError } from '../usage-error.js';

// `proxycart token add NAME --scopes proxycart:read,proxycart:spend [--file F] [--passkey]`:
// appends the client's line (its token's SHA-256) and prints the token, the only time it
// exists. With --passkey it also prints a one-time link where the person behind NAME enrols
// the passkey that approves NAME's orders (commands/passkey.ts).

/** `config`: read by cli.ts, only for --passkey (the enrolment goes to the server's store). */
export async function tokenCommand(argv: string[], config: () => Config): Promise<void> {
  const [action, name, ...flags] = argv;
  if (action !== 'add' || !name || name.startsWith('--')) {
    throw new UsageError('Usage: proxycart token add NAME --scopes proxycart:read[,proxycart:spend][,proxycart:admin] [--file FILE] [--passkey]');
  }
  const passkey = flags.includes('--passkey');
  const rest = flags.filter((flag) => flag !== '--passkey');
  let scopes: string[] | undefined;
  let file = process.env.PROXYCART_HTTP_TOKENS_FILE?.trim() || undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) throw new UsageError(`${rest[i]} needs a value.`);
    if (rest[i] === '--scopes')
      scopes = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (rest[i] === '--file') file = value;
    else throw new UsageError(`Unknown argument ${rest[i]}. See proxycart --help.`);
  }
  if (!scopes) throw new UsageError(`token add needs --scopes, a comma list of ${SCOPES.join(', ')}.`);
  if (!file) throw new UsageError('token add needs --file FILE or PROXYCART_HTTP_TOKENS_FILE.');
  const token = addToken(file, name, scopes);
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `proxycart: added ${name} (${scopes.join(',')}) to ${file}. The token above is shown once; give it to the client as "Authorization: Bearer <token>".\n`,
  );
  if (passkey) {
    const { enrolPasskeyFor } = await import('./passkey.js');
    const url = await enrolPasskeyFor(config(), name);
    process.stderr.write(`proxycart: the person approving ${name}'s orders enrols a passkey within 10 minutes at:\n${url}\n`);
  }
}

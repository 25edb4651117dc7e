import { createRequire } from 'node:module';
import { ProxycartError } from './errors.js';
import { redact } from './redact.js';

// The one way proxycart loads the native SQLite driver (`sqlite3`), for the store and anything
// else that opens SQLite. `sqlite3` needs a build for this machine's platform and Node ABI; an
// install that skipped scripts (`--ignore-scripts`, npm 11 without an allowScripts entry) or a
// bundle made on another platform has none. That must be a `storage` error naming the cause,
// never the end of the process.
//
// Why require and not import(): on Node 20, import() of a CommonJS module that throws while it
// loads rejects the promise *and* rethrows the same error as an uncaught exception, which ends
// the process (that was issue 20's crash). require throws once, to its caller; once it has
// succeeded, importing `@keyv/sqlite` reuses the loaded module from require's cache.

export type Sqlite3 = typeof import('sqlite3');

const requireCjs = createRequire(import.meta.url);

/** The fixes a person can choose from; one sentence, shared by the error and the start-up line. */
export const SQLITE_DRIVER_FIXES =
  'Run `npm rebuild sqlite3` where proxycart is installed (it needs install scripts allowed), or set PROXYCART_STORE=memory (nothing kept after exit), redis://… or postgres://…, which need no native code.';

/** The `sqlite3` module, loaded once; a driver that cannot load is a `storage` error saying why and what to do. */
export function loadSqliteDriver(load: (id: string) => unknown = requireCjs): Sqlite3 {
  try {
    return load('sqlite3') as Sqlite3;
  } catch (error) {
    throw sqliteDriverError(error);
  }
}

function sqliteDriverError(error: unknown): ProxycartError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // The first line is the cause ("Could not locate the bindings file.", "invalid ELF header", a
  // NODE_MODULE_VERSION mismatch); the rest is a list of paths tried.
  const cause = redact(message.split('\n')[0]!.replace(/\s*Tried:\s*$/, '')).slice(0, 160);
  const what =
    code === 'MODULE_NOT_FOUND' && /'sqlite3'/.test(message)
      ? 'The SQLite driver (the sqlite3 package) is not installed'
      : `The native SQLite driver (sqlite3) is not built for this machine (${process.platform}-${process.arch}, Node ${process.versions.node}): ${cause}`;
  return new ProxycartError('storage', `${what}. The SQLite store cannot be opened.`, {
    advice: `Nothing was sent to a vendor. ${SQLITE_DRIVER_FIXES}`,
  });
}

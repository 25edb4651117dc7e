import { describe, expect, it } from 'vitest';
import { ProxycartError } from '../../src/errors.js';
import { loadSqliteDriver } from '../../src/sqlite-driver.js';

// The loader's words for each way the driver fails (the real failure runs end to end in
// test/e2e/sqlite-driver.test.ts).
function failureOf(error: Error): ProxycartError {
  try {
    loadSqliteDriver(() => {
      throw error;
    });
  } catch (thrown) {
    return thrown as ProxycartError;
  }
  throw new Error('the loader did not throw');
}

describe('loadSqliteDriver', () => {
  it('loads the installed driver', () => {
    expect(typeof loadSqliteDriver().Database).toBe('function');
  });

  it('a binary for another platform: storage, the first line of the cause, the fixes', () => {
    const error = Object.assign(new Error('/opt/p/node_modules/sqlite3/build/Release/node_sqlite3.node: invalid ELF header\n  at dlopen'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    const failure = failureOf(error);
    expect(failure).toBeInstanceOf(ProxycartError);
    expect(failure.kind).toBe('storage');
    expect(failure.message).toMatch(/not built for this machine .*invalid ELF header\. The SQLite store cannot be opened\.$/);
    expect(failure.advice).toMatch(/^Nothing was sent to a vendor\. Run `npm rebuild sqlite3`.*PROXYCART_STORE=memory/);
  });

  it('a missing package says it is not installed', () => {
    const error = Object.assign(new Error("Cannot find module 'sqlite3'\nRequire stack: …"), { code: 'MODULE_NOT_FOUND' });
    expect(failureOf(error).message).toMatch(/^The SQLite driver \(the sqlite3 package\) is not installed\./);
  });
});

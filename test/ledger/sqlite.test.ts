import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteBooks } from '../../src/ledger/sqlite.js';
import { tempDir } from '../e2e/harness.js';
import { ledgerContract } from './contract.js';

let file = '';
ledgerContract('sqlite', {
  async open() {
    file = join(tempDir('ledger-sqlite'), 'state.sqlite');
    return openSqliteBooks(sqlite3, file);
  },
  openAnother: () => openSqliteBooks(sqlite3, file),
});

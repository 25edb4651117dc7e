import { Ledger } from '../../src/ledger/ledger.js';
import { openBooks } from '../../src/ledger/open.js';
import { openStore } from '../../src/store.js';
import type { StoreUrl } from '../../src/store-url.js';

/** Opens the books of a store the servers under test share, for `work`, and closes them again. */
export async function withLedger<T>(url: StoreUrl, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  const ledger = new Ledger(await openBooks(store));
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
    await store.close();
  }
}

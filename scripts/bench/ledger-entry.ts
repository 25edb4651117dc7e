// What ledger-seed.mjs needs of src/: open a store and its books.
export { openBooks } from '../../src/ledger/open.js';
export { openStore } from '../../src/store.js';
export { parseStoreUrl } from '../../src/store-url.js';

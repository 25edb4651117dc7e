// Grows a store's books through the ledger module itself (the same `append` the 0.1
// migration uses), for the benchmarks that compare empty and grown books. The ledger code is
// bundled from src/ next to the build (import-source.mjs).
import { importSource } from './import-source.mjs';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Appends `count` placed orders of `provider`, all older than 24 hours (one a minute going
 * back from a day ago), to the book the sandbox writes to. Returns the seconds it took.
 */
export async function seedLedger(storeUrl, count, provider) {
  const { openStore, openBooks, parseStoreUrl } = await importSource('scripts/bench/ledger-entry.ts', 'bench-ledger');
  const store = await openStore(parseStoreUrl(storeUrl));
  const books = await openBooks(store);
  const started = Date.now();
  const newest = Date.now() - DAY_MS - 60_000;
  try {
    for (let at = 0; at < count; at += 10_000) {
      const batch = [];
      for (let i = at; i < Math.min(count, at + 10_000); i++) batch.push(pastOrder(provider, newest - i * 60_000, i));
      await books.append(batch);
    }
  } finally {
    await books.close();
    await store.close();
  }
  return (Date.now() - started) / 1000;
}

function pastOrder(provider, createdAt, i) {
  const quote = {
    total_usd: 3.5,
    currency: 'USD',
    price_source: 'vendor_quote',
    summary: `past order ${i}`,
    balance_usd: null,
    balance_after_usd: null,
    warnings: [],
  };
  return {
    id: `past-${i.toString(36)}-${createdAt.toString(36)}`,
    provider,
    sandbox: true,
    environment: `sandbox:${provider}`,
    ...(i % 4 === 0 ? { identity: `token:client-${i % 7}` } : {}),
    argsHash: `past-args-${i}`,
    idempotencyKey: `past-key-${i}`,
    status: i % 50 === 0 ? 'failed' : 'placed',
    prepared: { request: { offer_id: 42, quantity: 1 }, quote: { total_usd: 3.5, price_source: 'vendor_quote', summary: quote.summary } },
    quote,
    createdAt,
    updatedAt: createdAt,
    ...(i % 50 === 0 ? {} : { order: { id: `PAST-${i}`, status: 'active', state: i % 3 ? 'active' : 'expired', total_usd: 3.5, proxies: [] } }),
  };
}

import { defineProvider } from '../types.js';
import { addBandwidthInput, extendOrderInput, listOffersInput, placeOrderInput, setAutoRenewInput } from './schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const provider = defineProvider({
  id: 'proxyjam',
  title: 'ProxyJam',
  keyEnv: 'PROXYJAM_API_KEY',
  baseUrlEnv: 'PROXYJAM_BASE_URL',
  defaultBaseUrl: 'https://api.proxyjam.com/public/v1',
  setupHint: 'Create an API key (pj_...) in the ProxyJam dashboard under API keys and set PROXYJAM_API_KEY.',
  capabilities: {
    catalog: 'live',
    quote: 'catalog_estimate',
    balance: true,
    idempotency: true,
    // A lost answer is learnt by replaying the idempotency key: ProxyJam keeps keys for at
    // least 30 days (after that a replay is a new, charged order), so replay within a day.
    recover: 'replay',
    replayWindowMs: 24 * 60 * 60 * 1000,
  },
  // vendors.md 6.1: each charges (or arms) through the guard like an order.
  operations: {
    extend_order: {
      input: extendOrderInput,
      // ProxyJam answers a replayed Idempotency-Key with the first answer and charges nothing.
      recover: 'replay',
      replayWindowMs: DAY_MS,
      calls: '`POST /orders/{id}/extend` (`months`, or `tarification_index` for mobile), with an `Idempotency-Key`; price = catalog estimate',
      // The same tariff for a mobile order; else as many months as it was bought or last extended for.
      renewArguments(request) {
        const sent = (request?.json ?? request ?? {}) as Record<string, unknown>;
        if (typeof sent.tarification_index === 'number') return { tarification_index: sent.tarification_index };
        const months = typeof sent.months === 'number' ? sent.months : Math.round((typeof sent.period_days === 'number' ? sent.period_days : 30) / 30);
        return { months: Math.min(24, Math.max(1, months)) };
      },
    },
    add_bandwidth: {
      input: addBandwidthInput,
      // De-duplication is not documented for this path: a lost answer is read off the order's traffic.
      recover: 'lookup',
      calls: "`POST /orders/{id}/bandwidth`; priced from the order's tariff (price ÷ its GB) where it names traffic, else unpriced",
    },
    set_auto_renew: {
      input: setAutoRenewInput,
      recover: 'replay',
      replayWindowMs: DAY_MS,
      calls: '`POST /orders/{id}/auto-renew`: free; `enabled: true` arms a renewal at each expiry (needs `PROXYCART_ALLOW_RECURRING=1` and approval)',
    },
  },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl -H 'X-API-Key: ${key}' ${base}/wallet/balance`,
  simulator: () => import('../../sandbox/proxyjam.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'ProxyJam key; base',
    tools: {
      list_offers: { inputs: true, calls: 'the catalog (`GET /catalog`) with option prices in USD' },
      place_order: { inputs: true, calls: 'quote = option price × quantity (catalog estimate); `POST /orders` paid from the wallet, with an idempotency key' },
      order_status: { inputs: true, calls: '`GET /orders/{id}`' },
      wallet_balance: { inputs: true, calls: '`GET /wallet/balance`' },
    },
    capabilities: { catalog: 'live, with prices', quote: 'catalog estimate', balance: 'yes', idempotency: 'yes (key in body and header)' },
  },
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { alpha2Of } from '../../src/providers/countries.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { createServer } from '../../src/server.js';
import { tempDir } from '../e2e/harness.js';
import { FIXTURE, tool } from '../example.js';

// proxycart_compare_offers compares like with like (issue 20, item 4), against the in-process
// simulators over loopback HTTP: ranks only within one pricing unit, says when a total is not
// for the amount asked, checks each offer against the caps and the budget left, and speaks
// ISO 3166-1 alpha-2 both ways.

const open: Array<{ client: Client; runtime: Runtime }> = [];
afterEach(async () => {
  for (const { client, runtime } of open.splice(0)) {
    await client.close();
    await runtime.close();
  }
});

async function serve(env: Record<string, string> = {}): Promise<Client> {
  const config = loadConfig(
    { PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory', PROXYCART_HOME: tempDir('compare'), PROXYCART_CONFIRM: 'token', ...env },
    PROVIDERS,
  );
  const runtime = createRuntime(config, PROVIDERS);
  const client = new Client({ name: 'compare', version: '1' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([createServer(runtime).connect(a), client.connect(b)]);
  open.push({ client, runtime });
  return client;
}

async function compare(client: Client, args: Record<string, unknown>): Promise<Record<string, any>> {
  const result = await client.callTool({ name: 'proxycart_compare_offers', arguments: args });
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent as Record<string, any>;
}

const perUnit = (o: any) => o.price_per_gb_usd ?? o.price_per_ip_month_usd;

describe('proxycart_compare_offers', () => {
  it('ranks per GB and per IP-month apart, and says which totals are not for the amount asked', async () => {
    const { offers } = await compare(await serve(), { kind: 'residential', bandwidth_gb: 5 });
    const units = offers.map((o: any) => o.unit);
    // The sandbox sells residential both ways: both units are there, the asked one (GB) first, never interleaved.
    expect(new Set(units)).toEqual(new Set(['gb', 'ip_month']));
    expect(units).toEqual([...units].sort((a: string, b: string) => Number(a !== 'gb') - Number(b !== 'gb')));
    for (const unit of ['gb', 'ip_month']) {
      const group = offers.filter((o: any) => o.unit === unit);
      expect(group.map((o: any) => o.rank)).toEqual(group.map((_: unknown, i: number) => i + 1));
      // Exact amounts first, each part cheapest per unit first.
      const exact = group.filter((o: any) => o.amount_note === undefined);
      expect(group.slice(0, exact.length)).toEqual(exact);
      for (const part of [exact, group.slice(exact.length)]) {
        const prices = part.map(perUnit);
        expect(prices).toEqual([...prices].sort((a: number, b: number) => a - b));
      }
    }
    for (const offer of offers) {
      if (offer.unit === 'gb') {
        if (offer.amount.gb !== 5) expect(offer.amount_note).toMatch(new RegExp(`total_usd is for ${offer.amount.gb} GB, not the 5 GB asked`));
        else expect(offer.amount_note).toBeUndefined();
        expect(offer.price_per_ip_month_usd).toBeUndefined();
      } else {
        expect(offer.amount_note).toMatch(/priced per IP, not per GB: bandwidth_gb does not apply/);
        expect(offer.amount).toEqual({ ips: expect.any(Number), days: expect.any(Number) });
      }
    }
    expect(offers.some((o: any) => o.unit === 'gb' && o.amount_note === undefined)).toBe(true);
  });

  it('checks every offer against the per-order cap and the 24-hour budget left in the ledger', async () => {
    const client = await serve({ PROXYCART_DAILY_BUDGET_USD: '20' });
    // Spend from the budget first: one order of the example vendor, confirmed by token.
    const quoted = await client.callTool({ name: tool('place_order'), arguments: FIXTURE.order });
    const token = (quoted.structuredContent as any).confirmation_token;
    const placed = await client.callTool({ name: tool('place_order'), arguments: { ...FIXTURE.order, confirmation_token: token } });
    const spent = (placed.structuredContent as any).order.total_usd as number;
    expect(spent).toBeGreaterThan(0);

    const result = await compare(client, { kind: 'residential', bandwidth_gb: 5 });
    const left = Math.round((20 - spent) * 100) / 100;
    expect(result.budget_left_usd).toBe(left);
    expect(result.max_order_usd).toBe(50);
    const { offers } = result;
    // Each case occurs in the sandbox's residential offers, so none of the checks below is vacuous.
    expect(offers.some((o: any) => o.total_usd > 50)).toBe(true);
    expect(offers.some((o: any) => o.total_usd > left && o.total_usd <= 50)).toBe(true);
    expect(offers.some((o: any) => o.total_usd <= left)).toBe(true);
    for (const offer of offers) {
      if (offer.total_usd > 50) expect(offer).toMatchObject({ within_caps: false, caps_reason: expect.stringMatching(/per-order cap of 50\.00 USD/) });
      else if (offer.total_usd > left)
        expect(offer).toMatchObject({ within_caps: false, caps_reason: `over the ${left.toFixed(2)} USD left of the 24-hour budget` });
      else {
        expect(offer.within_caps).toBe(true);
        expect(offer.caps_reason).toBeUndefined();
      }
    }
  });

  it('takes and answers countries as ISO 3166-1 alpha-2, whatever the vendor writes', async () => {
    const client = await serve();
    const french = await compare(client, { kind: 'datacenter', country: 'fr' });
    expect(french.country).toBe('FR');
    expect(french.offers.length).toBeGreaterThan(0);
    for (const offer of french.offers) expect(offer.country).toBe('FR');
    const all = await compare(client, { kind: 'datacenter' });
    expect(all.offers.length).toBeGreaterThan(1);
    for (const offer of all.offers) expect(offer.country === null || /^[A-Z]{2}$/.test(offer.country), JSON.stringify(offer)).toBe(true);
    for (const country of ['USA', 'XX', 'France']) {
      const refused = await client.callTool({ name: 'proxycart_compare_offers', arguments: { kind: 'datacenter', country } });
      expect(refused.isError, country).toBe(true);
      expect((refused.content as Array<{ text: string }>)[0]!.text).toMatch(/^invalid_input: country must be an ISO 3166-1 alpha-2 code/);
    }
  });

  it('reads alpha-3 codes and names as alpha-2', () => {
    expect([alpha2Of('FRA'), alpha2Of('USA'), alpha2Of('GBR'), alpha2Of('DEU'), alpha2Of('France'), alpha2Of('us')]).toEqual([
      'FR',
      'US',
      'GB',
      'DE',
      'FR',
      'US',
    ]);
    expect([alpha2Of('Mix ISP USA'), alpha2Of('QQQ'), alpha2Of(null)]).toEqual([undefined, undefined, undefined]);
  });
});

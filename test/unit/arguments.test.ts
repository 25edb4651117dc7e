import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { hashArguments } from '../../src/guard/confirmation.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { placeOrderInput } from '../../src/tools/contracts.js';
import { jsonSchema, normalizeArguments } from '../../src/tools/define.js';
import { EXAMPLE, FIXTURE } from '../example.js';

// What a model sends is made what it means before the one parse (server.ts runTool): OpenAI
// strict-mode models send null for every optional field they leave out.

const spec = (id: string) => PROVIDERS.find((p) => p.id === id)!;
const parse = (input: z.ZodObject, args: unknown) => input.safeParse(normalizeArguments(input, args));

describe('normalizeArguments', () => {
  const input = placeOrderInput(EXAMPLE);

  it('takes null for an optional field as absent, so the parsed order and its hash are those without it', () => {
    const optional = Object.keys(input.shape).filter((key) => !(key in FIXTURE.order) && input.shape[key]!.safeParse(undefined).success);
    expect(optional.length).toBeGreaterThan(3);
    const withNulls = { ...FIXTURE.order, ...Object.fromEntries(optional.map((key) => [key, null])) };
    const parsed = parse(input, withNulls);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const plain = input.parse(FIXTURE.order);
    expect(parsed.data).toEqual(plain);
    const environment = { id: `sandbox:${EXAMPLE.id}`, sandbox: true } as Parameters<typeof hashArguments>[0];
    expect(hashArguments(environment, parsed.data!)).toBe(hashArguments(environment, plain));
  });

  it('still refuses null for a required field, naming it', () => {
    const [required] = input.safeParse({}).error!.issues.map((issue) => String(issue.path[0]));
    const parsed = parse(input, { ...FIXTURE.order, [required!]: null });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual([required]);
  });

  it('does the same inside nested objects, and takes a number given for a string as its decimal string', () => {
    const nova = placeOrderInput(spec('novaproxy'));
    expect(parse(nova, { plan: 'static-isp', duration: '30_days', config: { country: 1, speed: null, threads: null } }).data).toEqual({
      plan: 'static-isp',
      duration: '30_days',
      config: { country: '1' },
    });
    const scrape = placeOrderInput(spec('proxyscrape'));
    expect(parse(scrape, { type: 't', country: 'US', proxies: { us: 2, gb: null }, days: null }).data).toEqual({
      type: 't',
      country: 'US',
      proxies: { us: 2 },
    });
  });

  it('keeps null where a field takes null, and leaves unknown keys for the parse to refuse', () => {
    const nullable = z.strictObject({ note: z.string().nullable().optional() });
    expect(parse(nullable, { note: null }).data).toEqual({ note: null });
    expect(parse(nullable, { other: null }).success).toBe(false);
  });

  it('advertises no null: the listing keeps one type per field and no anyOf', () => {
    const listed = JSON.stringify(jsonSchema(placeOrderInput(spec('novaproxy')), 'input'));
    expect(listed).not.toContain('null');
    expect(listed).not.toContain('anyOf');
  });
});

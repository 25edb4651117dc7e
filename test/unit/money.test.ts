import { describe, expect, it } from 'vitest';
import { priceTimes, usableAmount, vendorPrice } from '../../src/money.js';

describe('prices are numbers or nothing', () => {
  it.each([
    [3.5, 3.5],
    ['3.50', 3.5],
    [' 12 ', 12],
    [0, null],
    [-1, null],
    [null, null],
    [undefined, null],
    ['', null],
    ['  ', null],
    ['free', null],
    ['NaN', null],
    ['1e400', null],
    [Number.POSITIVE_INFINITY, null],
    [Number.NaN, null],
    [true, null],
    [{}, null],
  ])('%j → %j', (value, expected) => {
    expect(usableAmount(value)).toBe(expected);
  });

  // Pure functions: the vendor name is only a label (Acme is no registered vendor).
  it('names the vendor field and value of a price that is not one', () => {
    expect(vendorPrice('Acme', 'offer 42 option price', -3.5)).toEqual({
      usd: null,
      warning: 'Acme gave offer 42 option price = -3.5, which is not a price; the order is treated as unpriced.',
    });
    expect(vendorPrice('Acme', 'price_per_gb', '')).toMatchObject({ usd: null, warning: expect.stringContaining('price_per_gb = ""') });
    expect(vendorPrice('Acme', 'price_per_gb', undefined).warning).toContain('price_per_gb = nothing');
  });

  it('multiplies to cents, refuses an overflowing product, and keeps an unpriced unit unpriced', () => {
    expect(priceTimes({ usd: 3.5 }, 2, 'x')).toEqual({ usd: 7 });
    expect(priceTimes({ usd: 0.333 }, 3, 'x')).toEqual({ usd: 1 });
    expect(priceTimes({ usd: 0.001 }, 1, 'x').usd).toBeNull();
    expect(() => priceTimes({ usd: 1e306 }, 1000, 'Acme offer 42')).toThrow(/too large to be a price/);
    expect(() => priceTimes({ usd: 1e12 }, 1000, 'x')).toThrow(expect.objectContaining({ kind: 'invalid_input' }));
    const unpriced = { usd: null, warning: 'w' } as const;
    expect(priceTimes(unpriced, 5, 'x')).toBe(unpriced);
  });
});

// Stand-in for src/money.ts (see ./sandbox/kit.ts).
export * from '../../../src/money.js';

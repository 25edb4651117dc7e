// Stand-in for src/errors.ts (see ./sandbox/kit.ts).
export * from '../../../src/errors.js';

// Stand-in for src/providers/catalog-cache.ts (see ../sandbox/kit.ts).
export * from '../../../../src/providers/catalog-cache.js';

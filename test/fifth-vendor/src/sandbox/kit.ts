// Stand-in for src/sandbox/kit.ts, so the fifth vendor type-checks where it is kept (its own
// relative imports resolve here); scripts/fifth-vendor.mjs copies only the vendor itself.
export * from '../../../../src/sandbox/kit.js';

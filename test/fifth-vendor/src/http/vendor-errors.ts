// Stand-in for src/http/vendor-errors.ts (see ../sandbox/kit.ts).
export * from '../../../../src/http/vendor-errors.js';

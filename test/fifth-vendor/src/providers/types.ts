// Stand-in for src/providers/types.ts (see ../sandbox/kit.ts).
export * from '../../../../src/providers/types.js';

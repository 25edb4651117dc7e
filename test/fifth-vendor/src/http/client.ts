// Stand-in for src/http/client.ts (see ../sandbox/kit.ts).
export * from '../../../../src/http/client.js';

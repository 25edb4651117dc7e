import { createRequire } from 'node:module';

// Both src/ (tests) and dist/ (the bundle) sit one level below package.json.
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

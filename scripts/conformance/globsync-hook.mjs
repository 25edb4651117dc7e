// `node --import` this on Node 20: the conformance package imports `globSync` from "fs",
// which only Node >= 22 has, so its "fs" resolves to a re-export that adds one.
import { register } from 'node:module';

if (!('globSync' in (await import('node:fs')))) {
  register('./globsync-resolve.mjs', import.meta.url);
}

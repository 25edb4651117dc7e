// `node --import ./scripts/conformance/register-fs-shim.mjs …`: only needed on Node < 22.
import { register } from 'node:module';

register('./fs-shim-hook.mjs', import.meta.url);

import type { Runtime } from '../runtime.js';
import { checkProxyTool } from './check-proxy.js';
import { compareOffersTool } from './compare-offers.js';
import type { ToolDefinition } from './define.js';
import { ordersTool } from './orders.js';

/** The tools that span vendors: compare, the books, and checking a bought proxy. */
export function crossVendorTools(runtime: Runtime): ToolDefinition[] {
  return [compareOffersTool(runtime), ordersTool(runtime), checkProxyTool(runtime)];
}

import * as z from 'zod';
import { ProxycartError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { defineTool, type ToolDefinition } from './define.js';
import { orderStatus } from './order-status.js';
import { providerEnum } from './orders.js';
import { vendorDeps } from './vendor-deps.js';

// proxycart_check_proxy: does the proxy just bought work? The order's first proxy is read
// from the vendor with its credentials (used here, never shown), one request goes through
// it, and the answer says ok, status, latency and exit IP, or what failed.

const PUBLIC_ECHO = 'https://api.ipify.org?format=json';
/** A check is one request: it never waits longer than this, whatever PROXYCART_TIMEOUT_S says. */
const MAX_CHECK_MS = 20_000;

// Also always present: status_code, latency_ms, exit_ip, target; `reason` when not ok.
export const checkProxyOutput = z.object({ ok: z.boolean() });

export function checkProxyTool(runtime: Runtime): ToolDefinition {
  const { config } = runtime;
  return defineTool({
    name: 'proxycart_check_proxy',
    title: 'Check a proxy',
    description: "One request through the order's first proxy: ok, latency, exit IP, or why it failed.",
    effect: 'read',
    input: z
      .object({
        provider: providerEnum(runtime.providers.map((p) => p.id)),
        order_id: z.string().min(1).max(200),
        target_url: z.string().min(1).max(2000).optional(),
      })
      .strict(),
    output: checkProxyOutput,
    async handler(args, call) {
      const { provider, order_id: orderId, target_url: targetUrl } = args;
      const spec = runtime.providers.find((p) => p.id === provider);
      if (!spec) throw new ProxycartError('invalid_input', `${provider} is not enabled.`);
      const target = await targetOf(targetUrl ?? config.checkUrl, config.sandbox && !targetUrl);
      const { order } = await orderStatus(await vendorDeps(runtime, spec), { order_id: orderId, include_credentials: true }, call);
      const base = { provider: spec.id, sandbox: config.sandbox, order_id: order.id, order_state: order.state, target: target.href };
      const proxy = order.proxies.find((p) => p.host && p.port > 0);
      if (!proxy) {
        const why = order.proxies.length
          ? `${spec.title} gives no proxy host for this order (take it from the vendor dashboard), so it cannot be checked from here.`
          : `The order has no proxies yet (state ${order.state}); check again once it is active.`;
        return { ...base, ok: false, status_code: null, latency_ms: 0, exit_ip: null, reason: why };
      }
      const { probe } = await import('./proxy-probe.js');
      const result = await probe(proxy, target, Math.min(config.timeoutMs, MAX_CHECK_MS), call.signal);
      // The endpoint without its credentials: enough to tell which proxy was tried.
      return { ...base, proxy: { host: proxy.host, port: proxy.port, protocol: proxy.protocol }, ...result };
    },
  });
}

async function targetOf(configured: string | undefined, sandboxDefault: boolean): Promise<URL> {
  if (sandboxDefault) {
    const { ipEchoUrl } = await import('../sandbox/ip-echo.js');
    return new URL(await ipEchoUrl());
  }
  let url: URL;
  try {
    url = new URL(configured ?? PUBLIC_ECHO);
  } catch {
    throw new ProxycartError('invalid_input', 'target_url must be an http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProxycartError('invalid_input', 'target_url must be an http(s) URL.');
  return url;
}

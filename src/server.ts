import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { ProxycartError, toErrorResult } from './errors.js';
import { log } from './log.js';
import { redact } from './redact.js';
import type { Runtime } from './runtime.js';
import { crossVendorTools } from './tools/cross-vendor.js';
import { listedTool, type ToolCall, type ToolDefinition } from './tools/define.js';
import { providerTools } from './tools/provider-tools.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  /** How long a confirmation form may stay unanswered before falling back to a token. */
  elicitTimeoutMs?: number;
}

const INSTRUCTIONS = `proxycart buys proxies from vendor wallets. Browse with <vendor>_list_offers, price with <vendor>_place_order (it sends nothing without a confirmation), and follow orders with <vendor>_order_status. proxycart_compare_offers compares vendors, proxycart_orders shows the orders and budget, proxycart_check_proxy tests a bought proxy. Always show a quote to the person and confirm only after they agree; never confirm on your own.`;

/** A pure factory: the MCP server over a runtime. The CLI and the tests both build it. */
export function createServer(runtime: Runtime, options: ServerOptions = {}): Server {
  const elicitTimeoutMs = options.elicitTimeoutMs ?? 120_000;
  const tools = [...runtime.providers.flatMap((spec) => providerTools(spec, runtime)), ...crossVendorTools(runtime)];
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  let listed: ReturnType<typeof listedTool>[] | undefined;

  const server = new Server({ name: 'proxycart', version: VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    listed ??= tools.map(listedTool);
    return { tools: listed };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      return toErrorResult(new ProxycartError('invalid_input', `There is no tool named ${JSON.stringify(request.params.name.slice(0, 80))}.`, { advice: 'List the tools and use one of those names.' }));
    }
    const progressToken = extra._meta?.progressToken;
    const call: ToolCall = {
      signal: extra.signal,
      async progress(progress, total, message) {
        if (progressToken === undefined) return;
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total, message } }).catch(() => undefined);
      },
      elicit: server.getClientCapabilities()?.elicitation?.form
        ? async (message) => {
            try {
              const answer = await server.elicitInput(
                {
                  mode: 'form',
                  message,
                  requestedSchema: {
                    type: 'object',
                    properties: { approve: { type: 'boolean', title: 'Approve this order', description: 'Place it and charge the wallet' } },
                    required: ['approve'],
                  },
                },
                { timeout: elicitTimeoutMs, relatedRequestId: extra.requestId },
              );
              if (answer.action === 'accept') return answer.content?.approve === true ? 'accept' : 'decline';
              return answer.action;
            } catch (error) {
              log('info', `confirmation form not answered: ${error instanceof Error ? error.message : String(error)}`);
              return 'unanswered';
            }
          }
        : undefined,
    };
    return runTool(tool, request.params.arguments ?? {}, call);
  });

  return server;
}

async function runTool(tool: ToolDefinition, rawArgs: unknown, call: ToolCall): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(rawArgs);
  if (!parsed.success) return toErrorResult(new ProxycartError('invalid_input', describeIssues(parsed.error)));
  try {
    const result = await tool.handler(parsed.data as Record<string, unknown>, call);
    // Structured content and its text twin go through the same redaction as errors.
    const json = JSON.stringify(result);
    const text = redact(json);
    const structuredContent = text === json ? result : (JSON.parse(text) as Record<string, unknown>);
    return { content: [{ type: 'text', text }], structuredContent };
  } catch (error) {
    if (!(error instanceof ProxycartError)) log('error', `${tool.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return toErrorResult(error);
  }
}

function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : 'arguments';
    return `${where.slice(0, 80)}: ${issue.message.slice(0, 200)}`;
  });
  if (error.issues.length > 5) lines.push(`and ${error.issues.length - 5} more`);
  return `Invalid arguments: ${lines.join('; ')}.`;
}

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, SetLevelRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { configurationError, problemsFor } from './config.js';
import { describeIssues, ProxycartError, toErrorResult } from './errors.js';
import { addLogSink, atLeast, log, type McpLevel } from './log.js';
import { redact } from './redact.js';
import type { Runtime } from './runtime.js';
import { crossVendorTools } from './tools/cross-vendor.js';
import { type ListedTool, normalizeArguments, type ToolCall, type ToolDefinition } from './tools/define.js';
import { listingOf } from './tools/listing.js';
import { providerTools } from './tools/provider-tools.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  /** How long a confirmation form (or a URL elicitation's page decision) may take before the approval page takes over. */
  elicitTimeoutMs?: number;
  /** List and run only tools that spend nothing (an HTTP caller without the spend scope). */
  readOnly?: boolean;
}

// In HTTP mode every request gets its own server, so the tools and their listing are
// built once per runtime rather than once per request.
const catalogs = new WeakMap<Runtime, { all: ToolDefinition[]; read: ToolDefinition[]; listed: Map<boolean, ListedTool[]> }>();

/** Names of the tools that spend money (HTTP mode refuses them to callers without the spend scope). */
export function spendToolNames(runtime: Runtime): string[] {
  return catalog(runtime)
    .all.filter((tool) => tool.effect === 'spend')
    .map((tool) => tool.name);
}

function catalog(runtime: Runtime) {
  let found = catalogs.get(runtime);
  if (!found) {
    const all = [...runtime.providers.flatMap((spec) => providerTools(spec, runtime)), ...crossVendorTools(runtime)];
    found = { all, read: all.filter((tool) => tool.effect === 'read'), listed: new Map() };
    catalogs.set(runtime, found);
  }
  return found;
}

const INSTRUCTIONS = `proxycart buys proxies from vendor wallets. Browse with <vendor>_list_offers, price with <vendor>_place_order (it sends nothing without a confirmation), and follow orders with <vendor>_order_status. proxycart_compare_offers compares vendors, proxycart_orders shows the orders and budget, proxycart_check_proxy tests a bought proxy.`;
// PROXYCART_CONFIRM=token delegates approval to the agent; every other mode asks a person.
const WHO_CONFIRMS = {
  token: 'Confirm a quote with its token when your instructions allow the purchase; the caps still apply.',
  person: 'Always show a quote to the person and confirm only after they agree; never confirm on your own.',
};

/** A pure factory: the MCP server over a runtime. The CLI and the tests both build it. */
export function createServer(runtime: Runtime, options: ServerOptions = {}): Server {
  const elicitTimeoutMs = options.elicitTimeoutMs ?? 120_000;
  const readOnly = options.readOnly === true;
  const known = catalog(runtime);
  const tools = readOnly ? known.read : known.all;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));

  const problems = runtime.config.problems;
  const base = `${INSTRUCTIONS} ${runtime.config.confirm === 'token' ? WHO_CONFIRMS.token : WHO_CONFIRMS.person}`;
  const instructions = problems.length ? `${base} The server has configuration problems; tell the person: ${problems.map((p) => p.message).join(' ')}` : base;
  const server = new Server({ name: 'proxycart', version: VERSION }, { capabilities: { tools: {}, logging: {} }, instructions });

  // MCP logging: nothing until the client picks the least severe level it wants
  // (logging/setLevel); clients that never ask get no notifications/message (the AI SDK
  // reports each unasked one as an error). stderr is the same either way. Lines are redacted
  // by log() before they reach the sink.
  let logLevel: McpLevel | undefined;
  server.removeRequestHandler('logging/setLevel');
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    logLevel = request.params.level;
    return {};
  });
  const removeSink = addLogSink((level, data) => {
    if (logLevel === undefined || !atLeast(level, logLevel)) return;
    server.notification({ method: 'notifications/message', params: { level, logger: 'proxycart', data } }).catch(() => undefined);
  });
  server.onclose = () => {
    removeSink();
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    let listed = known.listed.get(readOnly);
    if (!listed) {
      listed = tools.map(listingOf);
      known.listed.set(readOnly, listed);
    }
    return { tools: listed };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      return toErrorResult(
        new ProxycartError('invalid_input', `There is no tool named ${JSON.stringify(request.params.name.slice(0, 80))}.`, {
          advice: 'List the tools and use one of those names.',
        }),
      );
    }
    // A setting this tool depends on is unusable: say which and how to fix it, every call.
    const blocked = problemsFor(runtime.config, runtime.providers.find((p) => tool.name.startsWith(`${p.id}_`))?.id);
    if (blocked.length) {
      log('warning', `${tool.name} refused: configuration problem with ${blocked.map((p) => p.variable).join(', ')}`);
      return toErrorResult(configurationError(blocked));
    }
    log('debug', `${tool.name} called`);
    const progressToken = extra._meta?.progressToken;
    const auth = extra.authInfo;
    const call: ToolCall = {
      signal: extra.signal,
      identity: auth ? { name: auth.clientId, scopes: auth.scopes, via: auth.extra?.via === 'oauth' ? 'oauth' : 'token' } : undefined,
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
      urlElicitation: server.getClientCapabilities()?.elicitation?.url
        ? {
            waitMs: elicitTimeoutMs,
            async ask(message, url, elicitationId) {
              try {
                const answer = await server.elicitInput(
                  { mode: 'url', message, url, elicitationId },
                  { timeout: elicitTimeoutMs, relatedRequestId: extra.requestId },
                );
                return answer.action;
              } catch (error) {
                log('info', `approval link not answered: ${error instanceof Error ? error.message : String(error)}`);
                return 'unanswered';
              }
            },
            complete: (elicitationId) => server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: extra.requestId })(),
          }
        : undefined,
    };
    return runTool(tool, request.params.arguments ?? {}, call);
  });

  return server;
}

async function runTool(tool: ToolDefinition, rawArgs: unknown, call: ToolCall): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(normalizeArguments(tool.input, rawArgs));
  if (!parsed.success) return toErrorResult(new ProxycartError('invalid_input', describeIssues(parsed.error)));
  try {
    const result = await tool.handler(parsed.data, call);
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

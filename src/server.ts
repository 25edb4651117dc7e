import {
  type CallToolRequest,
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type InputRequiredResult,
  isInputRequiredResult,
  type ListToolsResult,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ClientRounds } from './approval/channels/input-required.js';
import { configurationError, problemsFor } from './config.js';
import { describeIssues, ProxycartError, toErrorResult } from './errors.js';
import { addLogSink, atLeast, type LogSink, log, type McpLevel, withRequestLog } from './log.js';
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

const LIST_CACHE = { ttlMs: 300_000, cacheScope: 'private' } as const;

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
  // One factory serves both protocol eras (the SDK's serveStdio and createMcpHandler pick
  // the era per connection or request). On 2026-07-28 the tool list may be cached briefly:
  // it changes only with a restart, and per caller over HTTP (the spend scope), hence private.
  const server = new Server(
    { name: 'proxycart', version: VERSION },
    { capabilities: { tools: {}, logging: {} }, instructions, cacheHints: { 'tools/list': LIST_CACHE, 'server/discover': LIST_CACHE } },
  );

  // MCP logging on 2025-11-25: nothing until the client picks the least severe level it wants
  // (logging/setLevel), then every line at or above it, connection-wide; clients that never ask
  // get no notifications/message (the AI SDK reports each unasked one as an error). 2026-07-28
  // has no setLevel: a request asks for its own lines (requestLog, below). stderr is the same
  // either way. Lines are redacted by log() before they reach a sink.
  let logLevel: McpLevel | undefined;
  server.removeRequestHandler('logging/setLevel');
  server.setRequestHandler('logging/setLevel', async (request) => {
    logLevel = request.params.level;
    return {};
  });
  const removeSink = addLogSink((level, data) => {
    if (logLevel === undefined || !atLeast(level, logLevel)) return;
    server.notification(logMessage(level, data)).catch(() => undefined);
  });
  server.onclose = () => {
    removeSink();
  };

  server.setRequestHandler('tools/list', async () => {
    let listed = known.listed.get(readOnly);
    if (!listed) {
      listed = tools.map(listingOf);
      known.listed.set(readOnly, listed);
    }
    // The entries are JSON Schemas written at build time; the SDK's type wants them re-typed.
    return { tools: listed } as ListToolsResult;
  });

  const callTool = async (request: CallToolRequest, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      // An unknown tool is a protocol error, not a tool's result (both eras of the spec).
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `There is no tool named ${JSON.stringify(request.params.name.slice(0, 80))}. List the tools and use one of those names.`,
      );
    }
    // A setting this tool depends on is unusable: say which and how to fix it, every call.
    const blocked = problemsFor(runtime.config, runtime.providers.find((p) => tool.name.startsWith(`${p.id}_`))?.id);
    if (blocked.length) {
      log('warning', `${tool.name} refused: configuration problem with ${blocked.map((p) => p.variable).join(', ')}`);
      return toErrorResult(configurationError(blocked));
    }
    log('debug', `${tool.name} called`);
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const auth = ctx.http?.authInfo;
    // A 2026-07-28 request carries its version and capabilities itself and has no channel
    // for server-initiated requests; a 2025-11-25 one relies on what initialize declared.
    const legacy = !isModern(ctx);
    const elicitation = legacy ? server.getClientCapabilities()?.elicitation : undefined;
    const call: ToolCall = {
      signal: ctx.mcpReq.signal,
      rounds: legacy ? undefined : roundsOf(ctx),
      identity: auth ? { name: auth.clientId, scopes: auth.scopes, via: auth.extra?.via === 'oauth' ? 'oauth' : 'token' } : undefined,
      async progress(progress, total, message) {
        if (progressToken === undefined) return;
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total, message } }).catch(() => undefined);
      },
      elicit: elicitation?.form
        ? async (message) => {
            try {
              const answer = await ctx.mcpReq.elicitInput(
                {
                  mode: 'form',
                  message,
                  requestedSchema: {
                    type: 'object',
                    properties: { approve: { type: 'boolean', title: 'Approve this order', description: 'Place it and charge the wallet' } },
                    required: ['approve'],
                  },
                },
                { timeout: elicitTimeoutMs },
              );
              if (answer.action === 'accept') return answer.content?.approve === true ? 'accept' : 'decline';
              return answer.action;
            } catch (error) {
              log('info', `confirmation form not answered: ${error instanceof Error ? error.message : String(error)}`);
              return 'unanswered';
            }
          }
        : undefined,
      urlElicitation: elicitation?.url
        ? {
            waitMs: elicitTimeoutMs,
            async ask(message, url, elicitationId) {
              try {
                const answer = await ctx.mcpReq.elicitInput({ mode: 'url', message, url, elicitationId }, { timeout: elicitTimeoutMs });
                return answer.action;
              } catch (error) {
                log('info', `approval link not answered: ${error instanceof Error ? error.message : String(error)}`);
                return 'unanswered';
              }
            },
            complete: (elicitationId) => server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: ctx.mcpReq.id })(),
          }
        : undefined,
    };
    return runTool(tool, request.params.arguments ?? {}, call);
  };
  server.setRequestHandler('tools/call', (request, ctx) => withRequestLog(requestLog(ctx), () => callTool(request, ctx)));

  return server;
}

/** A `notifications/message` carrying one (already redacted) log line. */
function logMessage(level: McpLevel, data: string) {
  return { method: 'notifications/message' as const, params: { level, logger: 'proxycart', data } };
}

/**
 * MCP logging on 2026-07-28: a request that carries a level in its `_meta` gets the lines
 * logged while it is handled, at or above that level, as notifications related to it
 * (ctx.mcpReq.notify: on stdio written while it runs, over HTTP into its own response
 * stream); a request without one gets none, and the SDK refuses a level that is not one.
 * (ctx.mcpReq.log would read the same level, but on 2025-11-25 requests it sends every line
 * when no level was set, and it is deprecated.)
 */
function requestLog(ctx: ServerContext): LogSink | undefined {
  const floor = isModern(ctx) ? (envelopeOf(ctx)?.[LOG_LEVEL_META_KEY] as McpLevel | undefined) : undefined;
  if (floor === undefined) return undefined;
  return (level, data) => {
    if (atLeast(level, floor) && !ctx.mcpReq.signal.aborted) ctx.mcpReq.notify(logMessage(level, data)).catch(() => undefined);
  };
}

/** Whether a request came in the 2026-07-28 era (version and capabilities in its own `_meta`). */
function isModern(ctx: ServerContext): boolean {
  return envelopeOf(ctx)?.[PROTOCOL_VERSION_META_KEY] !== undefined;
}

/** The request's own `_meta` envelope (2026-07-28: version, capabilities, log level). */
function envelopeOf(ctx: ServerContext): Record<string, unknown> | undefined {
  return ctx.mcpReq.envelope as Record<string, unknown> | undefined;
}

/**
 * What a 2026-07-28 request offers for input requests (its own `_meta` capabilities; a bare
 * `elicitation: {}` means forms, as the spec says) and, on a retry, the answers and our state.
 */
function roundsOf(ctx: ServerContext): ClientRounds {
  const elicitation = (envelopeOf(ctx)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined)?.elicitation;
  return {
    form: elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined),
    url: elicitation?.url !== undefined,
    responses: ctx.mcpReq.inputResponses,
    state: ctx.mcpReq.requestState<string>(),
    context: ctx,
  };
}

async function runTool(tool: ToolDefinition, rawArgs: unknown, call: ToolCall): Promise<CallToolResult | InputRequiredResult> {
  const parsed = tool.input.safeParse(normalizeArguments(tool.input, rawArgs));
  if (!parsed.success) return toErrorResult(new ProxycartError('invalid_input', describeIssues(parsed.error)));
  try {
    const result = await tool.handler(parsed.data, call);
    // A question for the person (2026-07-28 input_required) goes to the client as it is.
    if (isInputRequiredResult(result)) return result;
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

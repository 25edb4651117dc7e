import { AsyncLocalStorage } from 'node:async_hooks';
import { redact } from './redact.js';

// stdout belongs to the MCP protocol in stdio mode, so every log line goes to stderr,
// redacted like everything else that leaves the process. Connected MCP servers add a sink
// each, which forwards the same (already redacted) lines as notifications/message; a
// 2026-07-28 request that asks for log lines gets a sink of its own (withRequestLog).
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** The MCP severity order (RFC 5424); our four levels are a subset of it. */
export const MCP_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type McpLevel = (typeof MCP_LEVELS)[number];

const ORDER: LogLevel[] = ['debug', 'info', 'warning', 'error'];
const threshold = ORDER.includes(process.env.PROXYCART_LOG_LEVEL as LogLevel) ? (process.env.PROXYCART_LOG_LEVEL as LogLevel) : 'info';

export type LogSink = (level: LogLevel, message: string) => void;
const sinks = new Set<LogSink>();

/** Adds a receiver of every log line; returns its removal. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

// The lines of one request, for that request alone. AsyncLocalStorage follows the request's
// own chain of work (awaits, timers, vendor calls it started) without a request id passed
// through every function that logs, so requests handled at the same time in one process (an
// HTTP node; a stdio client that sends calls side by side) never get each other's lines. A
// shared piece of work (one catalog fetch several callers wait for) logs to the request that
// started it. The scope is switched off when the request settles: work it started that
// outlives it (a cached promise, a server opened on first use) keeps the async context but
// sends nothing more.
const requestScope = new AsyncLocalStorage<{ sink?: LogSink }>();

/** Runs `work` with `sink` receiving the lines logged by it, until it settles. */
export async function withRequestLog<T>(sink: LogSink | undefined, work: () => Promise<T>): Promise<T> {
  const scope = { sink };
  try {
    return await requestScope.run(scope, work);
  } finally {
    scope.sink = undefined;
  }
}

/** True when `level` is at least as severe as `floor` (both MCP level names). */
export function atLeast(level: McpLevel, floor: McpLevel): boolean {
  return MCP_LEVELS.indexOf(level) >= MCP_LEVELS.indexOf(floor);
}

export function log(level: LogLevel, message: string): void {
  const text = redact(message);
  if (ORDER.indexOf(level) >= ORDER.indexOf(threshold)) process.stderr.write(`[proxycart] ${level}: ${text}\n`);
  for (const sink of sinks) sink(level, text);
  requestScope.getStore()?.sink?.(level, text);
}

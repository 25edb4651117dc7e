import { redact } from './redact.js';

// stdout belongs to the MCP protocol in stdio mode, so every log line goes to stderr,
// redacted like everything else that leaves the process. Connected MCP servers add a sink
// each, which forwards the same (already redacted) lines as notifications/message.
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

/** True when `level` is at least as severe as `floor` (both MCP level names). */
export function atLeast(level: McpLevel, floor: McpLevel): boolean {
  return MCP_LEVELS.indexOf(level) >= MCP_LEVELS.indexOf(floor);
}

export function log(level: LogLevel, message: string): void {
  const text = redact(message);
  if (ORDER.indexOf(level) >= ORDER.indexOf(threshold)) process.stderr.write(`[proxycart] ${level}: ${text}\n`);
  for (const sink of sinks) sink(level, text);
}

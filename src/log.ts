import { redact } from './redact.js';

// stdout belongs to the MCP protocol in stdio mode, so every log line goes to stderr.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const ORDER: LogLevel[] = ['debug', 'info', 'warning', 'error'];
let threshold: LogLevel = (process.env.PROXYCART_LOG_LEVEL as LogLevel) ?? 'info';
const listeners = new Set<(level: LogLevel, message: string) => void>();

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Also forward log lines elsewhere (the MCP logging channel); returns the unsubscribe. */
export function onLog(listener: (level: LogLevel, message: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function log(level: LogLevel, message: string): void {
  if (ORDER.indexOf(level) < ORDER.indexOf(threshold)) return;
  const line = redact(message);
  process.stderr.write(`[proxycart] ${level}: ${line}\n`);
  for (const listener of listeners) listener(level, line);
}

import { redact } from './redact.js';

// stdout belongs to the MCP protocol in stdio mode, so every log line goes to stderr,
// redacted like everything else that leaves the process.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const ORDER: LogLevel[] = ['debug', 'info', 'warning', 'error'];
const threshold = ORDER.includes(process.env.PROXYCART_LOG_LEVEL as LogLevel) ? (process.env.PROXYCART_LOG_LEVEL as LogLevel) : 'info';

export function log(level: LogLevel, message: string): void {
  if (ORDER.indexOf(level) < ORDER.indexOf(threshold)) return;
  process.stderr.write(`[proxycart] ${level}: ${redact(message)}\n`);
}

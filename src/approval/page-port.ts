import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The approval page's port, remembered per data folder: an approval link handed out before
// a restart must still open after it, so the page comes back on the port it had.

const FILE = 'approval-port';

/** The port the page had last time in this data folder, if one was remembered. */
export function rememberedPort(home: string): number | undefined {
  try {
    const port = Number(readFileSync(join(home, FILE), 'utf8').trim());
    return Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Remember the page's port; a data folder that cannot be written only loses the memory. */
export function rememberPort(home: string, port: number): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, FILE), `${port}\n`, { mode: 0o600 });
  } catch {
    // Links then survive only as long as this process: the same as before the port was remembered.
  }
}

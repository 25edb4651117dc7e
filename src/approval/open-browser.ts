import { importPackage } from '../import-package.js';
import { log } from '../log.js';

/**
 * Opens the approval page in the person's browser when this process runs in a desktop
 * session. A server started by a desktop client (Claude Desktop, an IDE) inherits it; one
 * on a headless machine or over SSH has none, and the model hands the link on instead.
 */
export async function openInBrowser(url: string): Promise<void> {
  const desktop = process.platform === 'darwin' || process.platform === 'win32' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!desktop) return;
  try {
    const { default: open } = await importPackage<typeof import('open')>('open');
    await open(url);
  } catch (error) {
    log('info', `could not open the approval page in a browser (${error instanceof Error ? error.message : String(error)})`);
  }
}

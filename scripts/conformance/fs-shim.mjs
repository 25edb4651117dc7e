// `fs` for @modelcontextprotocol/conformance on Node 20: everything from node:fs plus a small
// globSync (Node 22 has one). The package only globs relative `**/<name>` patterns, so
// that is all this supports; anything else throws rather than guessing.
import * as fs from 'node:fs';
import { join, relative } from 'node:path';

export * from 'node:fs';
export default fs;

export function globSync(pattern, options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const match = /^(?:\*\*\/)?([^*?[\]{}/]+)$/.exec(pattern);
  if (!match) throw new Error(`globSync shim: unsupported pattern ${pattern}`);
  const name = match[1];
  const anywhere = pattern.startsWith('**/');
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && anywhere) walk(path);
      else if (entry.name === name) found.push(relative(cwd, path));
    }
  };
  if (fs.existsSync(cwd)) walk(cwd);
  return found;
}

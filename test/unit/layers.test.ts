import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers point one way (docs/architecture.md): read every import in src/, static or
// lazy, and name each one that points the wrong way.
const SRC = resolve(import.meta.dirname, '../../src');

/** Every import of a src/ file, as paths relative to src/ (packages keep their names). */
const IMPORTS = new Map(
  readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => {
      const text = readFileSync(join(SRC, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((match) => match[1]!);
      const targets = specifiers.map((s) => (s.startsWith('.') ? join(dirname(file), s).replace(/\.js$/, '.ts') : s));
      return [file, targets] as const;
    }),
);

/** The imports from files whose path starts with `from` of targets that `to` matches, as "file → target". */
function importsFrom(from: string, to: RegExp): string[] {
  return [...IMPORTS].flatMap(([file, targets]) => (file.startsWith(from) ? targets.filter((t) => to.test(t)).map((t) => `${file} → ${t}`) : []));
}

describe('layers', () => {
  it('finds the imports it checks', () => {
    // Guards the scan itself: a regex that matched nothing would pass every rule below.
    expect(IMPORTS.get('cli.ts')).toContain('config.ts');
    expect(IMPORTS.get('runtime.ts')).toContain('store.ts');
  });

  it('guard/ does not import tools/', () => {
    expect(importsFrom('guard/', /^tools\//)).toEqual([]);
  });

  it('tools/ does not import http/', () => {
    expect(importsFrom('tools/', /^http\//)).toEqual([]);
  });

  it('config.ts and store-url.ts do not import the store (it would pull keyv or pg into start-up)', () => {
    const store = /^(store\.ts|store-postgres\.ts|postgres\.ts|keyv|@keyv\/|pg$)/;
    expect([...importsFrom('config.ts', store), ...importsFrom('store-url.ts', store)]).toEqual([]);
  });

  it('a provider folder imports no other provider folder', () => {
    const folderOf = (path: string) => /^providers\/([^/]+)\//.exec(path)?.[1];
    const crossing = [...IMPORTS].flatMap(([file, targets]) => {
      const own = folderOf(file);
      return own ? targets.filter((t) => folderOf(t) && folderOf(t) !== own).map((t) => `${file} → ${t}`) : [];
    });
    expect(crossing).toEqual([]);
  });
});

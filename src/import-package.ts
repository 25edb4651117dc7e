// import() of a package the build leaves outside the bundle (scripts/external.mjs). The built
// program runs as a script compiled by src/launch.ts, and there import() has no module loader
// behind it on Node 20 (vm's loader option is experimental and is lost with a code cache), so
// launch.ts lends its own import() under this key. Run from source (tests), plain import().
export const LENT_IMPORT = Symbol.for('proxycart.importPackage');

type Import = (name: string) => Promise<unknown>;

export function importPackage<Module>(name: string): Promise<Module> {
  const lent = (globalThis as { [LENT_IMPORT]?: Import })[LENT_IMPORT];
  return (lent ? lent(name) : import(name)) as Promise<Module>;
}

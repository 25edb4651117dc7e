// Packages the esbuild bundle leaves in node_modules (build.mjs), which the MCP bundle must
// therefore carry with their dependencies (bundle.mjs):
// - the storage drivers: native and optional backends, imported lazily (sqlite3 comes with @keyv/sqlite);
// - `open`: it finds its bundled xdg-open script next to its own files;
// - proxy-chain (sandbox only): it tells its errors apart by class name, which minifying renames.
export const EXTERNAL = ['@keyv/sqlite', '@keyv/redis', 'open', 'proxy-chain'];

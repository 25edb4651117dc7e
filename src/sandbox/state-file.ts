import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The sandbox remembers: each simulator's state (wallet, orders, issued proxies, stored
// idempotency answers) is kept in one JSON file, so an order placed in one server process
// is still there in the next. Maps are written as tagged entry lists; functions (test
// clocks) are not state and stay as the fresh simulator made them.

export interface SavedVendor {
  /** The forwarding proxy's port, reused on the next start when free. */
  proxyPort: number;
  /** The SOCKS5 gateway's port, likewise (absent in files written before it existed). */
  socksPort?: number;
  state: unknown;
}

export type SavedSandbox = Record<string, SavedVendor>;

const VERSION = 1;

function toJson(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()].map(([k, v]) => [k, toJson(v)]) };
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (typeof item !== 'function') out[key] = toJson(item);
    return out;
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value && typeof value === 'object') {
    const tagged = (value as { $map?: Array<[unknown, unknown]> }).$map;
    if (Array.isArray(tagged)) return new Map(tagged.map(([k, v]) => [k, fromJson(v)]));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

/** The state as JSON-ready data. */
export function snapshot(state: object): unknown {
  return toJson(state);
}

/** Put saved fields back into a fresh simulator's state (fields the fresh state lacks are ignored). */
export function restore(state: object, saved: unknown): void {
  if (!saved || typeof saved !== 'object') return;
  const target = state as Record<string, unknown>;
  for (const [key, value] of Object.entries(fromJson(saved) as Record<string, unknown>)) {
    if (key in target && typeof target[key] !== 'function') target[key] = value;
  }
}

/**
 * After a restart on other gateway ports, point the proxies issued earlier at the new ones:
 * any object whose host (or `ip`) is the gateway host and whose port field held an old port.
 * `moves` maps old port to new, all in one pass (a new HTTP port may be the old SOCKS5 one).
 */
export function movePorts(value: unknown, host: string, moves: ReadonlyMap<number, number>): void {
  const changes = new Map([...moves].filter(([from, to]) => from !== to && from !== 0));
  if (changes.size === 0) return;
  const visit = (node: unknown): void => {
    if (node instanceof Map) return void node.forEach(visit);
    if (Array.isArray(node)) return void node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.host === host || record.ip === host) {
      for (const key of ['port', 'port_http', 'port_socks']) {
        const to = changes.get(record[key] as number);
        if (to !== undefined) record[key] = to;
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(value);
}

export class StateFile {
  private last = '';

  constructor(readonly path: string) {}

  /** The saved sandbox, or nothing when there is no file or it cannot be read (the sandbox then starts over). */
  load(): SavedSandbox {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { version?: number; vendors?: SavedSandbox };
      return parsed.version === VERSION && parsed.vendors && typeof parsed.vendors === 'object' ? parsed.vendors : {};
    } catch {
      return {};
    }
  }

  /** Write when something changed, atomically (a reader never sees half a file). */
  save(vendors: SavedSandbox): void {
    const text = JSON.stringify({ version: VERSION, vendors });
    if (text === this.last) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, this.path);
    this.last = text;
  }
}

/** `proxycart sandbox --reset`: forget every simulated wallet and order. */
export function resetStateFile(path: string): boolean {
  try {
    readFileSync(path);
  } catch {
    return false;
  }
  rmSync(path, { force: true });
  return true;
}

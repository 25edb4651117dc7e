import { PROXY_TYPES, type ProxyType } from './schemas.js';

// Reading `reference/list[/{type}]`. Only the v1 IPv4 shape is documented
// (`{items: [{country: [{id, name, alpha3}], period: [{id, name}]}]}`); the mobile, resident
// and mix sections were never shown for v1, so this reader accepts the plausible variants
// (items as array or object, singular or plural keys, the v2 mobile operator grouping) and
// simply yields empty lists for what it cannot find. Empty lists disable the local checks
// that depend on them: the vendor's own calc still validates.

export interface NamedId {
  id: string | number;
  name: string;
}

export interface OperatorRef extends NamedId {
  /** `shared` / `dedicated` when the reference groups operators that way. */
  serviceType?: string;
  rotations: NamedId[];
}

export interface CountryRef extends NamedId {
  alpha3?: string;
  operators: OperatorRef[];
}

export interface TypeReference {
  type: ProxyType;
  countries: CountryRef[];
  periods: NamedId[];
  tarifs: NamedId[];
  /** Allowed order sizes (MIX packages). */
  quantities: number[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return [];
}

function pick(source: Json, ...keys: string[]): unknown {
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) return source[key];
  return undefined;
}

function namedIds(value: unknown): NamedId[] {
  const out: NamedId[] = [];
  for (const entry of list(value)) {
    if (!isObject(entry)) continue;
    const id = entry.id;
    if (typeof id !== 'string' && typeof id !== 'number') continue;
    out.push({ id, name: typeof entry.name === 'string' ? entry.name : String(id) });
  }
  return out;
}

function operators(value: unknown): OperatorRef[] {
  // Either a flat list or grouped by service type ({dedicated: [...], shared: [...]}).
  const groups: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? [[undefined, value]]
    : isObject(value)
      ? Object.entries(value)
      : [];
  const out: OperatorRef[] = [];
  for (const [group, entries] of groups) {
    for (const entry of list(entries)) {
      if (!isObject(entry)) continue;
      const [base] = namedIds([entry]);
      if (!base) continue;
      const serviceType = typeof entry.serviceType === 'string' ? entry.serviceType : typeof entry.type === 'string' ? entry.type : group;
      out.push({ ...base, serviceType, rotations: namedIds(pick(entry, 'rotations', 'rotation')) });
    }
  }
  return out;
}

function quantities(value: unknown): number[] {
  const out = new Set<number>();
  for (const entry of list(value)) {
    if (typeof entry === 'number' || (typeof entry === 'string' && entry.trim() !== '')) {
      const n = Number(entry);
      if (Number.isInteger(n) && n > 0) out.add(n);
    } else if (isObject(entry)) {
      const nested = pick(entry, 'quantities', 'quantity', 'id');
      for (const n of quantities(Array.isArray(nested) ? nested : [nested])) out.add(n);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The section objects of one type: `items` may be an array of sections or one section. */
function sections(data: unknown): Json[] {
  if (!isObject(data)) return [];
  const items = data.items;
  if (Array.isArray(items)) return items.filter(isObject);
  if (isObject(items)) return [items];
  return [data];
}

export function parseTypeReference(type: ProxyType, data: unknown): TypeReference {
  const ref: TypeReference = { type, countries: [], periods: [], tarifs: [], quantities: [] };
  for (const section of sections(data)) {
    const sharedRotations = namedIds(pick(section, 'rotations', 'rotation'));
    for (const entry of list(pick(section, 'country', 'countries'))) {
      if (!isObject(entry)) continue;
      const [base] = namedIds([entry]);
      if (!base) continue;
      const ops = operators(pick(entry, 'operators', 'operator') ?? pick(section, 'operators', 'operator'));
      for (const op of ops) if (op.rotations.length === 0) op.rotations = sharedRotations;
      ref.countries.push({ ...base, alpha3: typeof entry.alpha3 === 'string' ? entry.alpha3 : undefined, operators: ops });
    }
    ref.periods.push(...namedIds(pick(section, 'period', 'periods')));
    ref.tarifs.push(...namedIds(pick(section, 'tarifs', 'tarif', 'tariffs')));
    ref.quantities.push(...quantities(pick(section, 'quantities', 'quantity')));
  }
  return ref;
}

/** The untyped call: sections keyed by type, at the top of `data` or under `items`. */
export function parseAllReferences(data: unknown): TypeReference[] {
  if (!isObject(data)) return [];
  const keyed = isObject(data.items) && PROXY_TYPES.some((t) => t in (data.items as Json)) ? (data.items as Json) : data;
  const out: TypeReference[] = [];
  for (const type of PROXY_TYPES) {
    const section = keyed[type];
    if (section === undefined || section === null) continue;
    out.push(parseTypeReference(type, Array.isArray(section) ? { items: section } : section));
  }
  return out;
}

/** Ids compare as strings: v1 documents numbers, other sources strings. */
export function sameId(a: string | number | undefined, b: string | number | undefined): boolean {
  return a !== undefined && b !== undefined && String(a) === String(b);
}

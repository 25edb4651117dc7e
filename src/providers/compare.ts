import { nameKey, resolveCountry } from './countries.js';

// Helpers the providers' compareCandidates share: matching the asked country, reading
// period lengths, picking the closest period. The vendor-specific choice stays in each folder.

/** Candidates priced per vendor in one comparison. */
export const MAX_CANDIDATES = 6;
/** Quote calls a comparison may cost a vendor whose quote is a request (e.g. a calc endpoint). */
export const MAX_QUOTE_CALLS = 4;

export type { CompareAsk, CompareCandidate } from './types.js';

/** Whether a vendor's country (code, alpha-3 or name, or an offer name ending in it) is the asked alpha-2. */
export function countryIs(asked: string | undefined, ...values: Array<string | null | undefined>): boolean {
  if (!asked) return true;
  const code = asked.toUpperCase();
  const name = resolveCountry(code)?.name;
  return values.some((value) => {
    if (!value) return false;
    if (value.toUpperCase() === code || resolveCountry(value)?.code === code) return true;
    return name !== undefined && nameKey(value).endsWith(nameKey(name));
  });
}

/** Days in a vendor period id or slug: "1m", "2w", "30_days", "1_week". */
export function daysOf(period: string): number | undefined {
  const match = /^(\d+)[_ ]?(d|day|days|w|week|weeks|m|month|months|y|year|years|minute|minutes|hour|hours)$/i.exec(period.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2]!.toLowerCase()[0];
  if (/minute|hour/i.test(match[2]!)) return n / (/minute/i.test(match[2]!) ? 1440 : 24);
  return n * (unit === 'd' ? 1 : unit === 'w' ? 7 : unit === 'm' ? 30 : 365);
}

export function closest<T>(items: T[], days: (item: T) => number | undefined, want: number): T | undefined {
  let best: T | undefined;
  let gap = Infinity;
  for (const item of items) {
    const d = days(item);
    if (d === undefined) continue;
    if (Math.abs(d - want) < gap) [best, gap] = [item, Math.abs(d - want)];
  }
  return best;
}

import { readFileSync } from 'node:fs';
import { type ListedTool, listedTool, type ToolDefinition } from './define.js';

// tools/list turns every tool's zod schemas into JSON Schema, which costs a large share of a
// cold start. The build writes the entries of every tool to dist/tool-listing.json
// (scripts/write-listing.ts, the same listedTool), so the built server reads them instead of
// converting; run from source, or for a tool the file lacks, they are converted here.

let built: Record<string, ListedTool> | null | undefined;

function readBuilt(): Record<string, ListedTool> | null {
  try {
    return JSON.parse(readFileSync(new URL('./tool-listing.json', import.meta.url), 'utf8')) as Record<string, ListedTool>;
  } catch {
    return null;
  }
}

/** The tools/list entry of a tool. */
export function listingOf(definition: ToolDefinition): ListedTool {
  built ??= readBuilt();
  return built?.[definition.name] ?? listedTool(definition);
}

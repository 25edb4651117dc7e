import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import type { ElicitAnswer, UrlElicitation } from '../guard/money-path.js';

/** Who is calling, when the transport authenticated the caller (HTTP mode); never a secret. */
export interface Identity {
  /** The tokens-file name, or the OAuth subject. */
  name: string;
  scopes: readonly string[];
  via: 'token' | 'oauth';
}

/** How the ledger names a client: `token:<name>` or `oauth:<subject>` (a name and a subject may be equal). */
export function identityKey(identity: Identity | undefined): string | undefined {
  return identity && `${identity.via}:${identity.name}`;
}

/** Everything a handler may need from the request it serves. */
export interface ToolCall {
  signal: AbortSignal;
  /** Undefined over stdio and on an unauthenticated loopback HTTP server. */
  identity?: Identity;
  /** Sends a progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
  /** Ask the person through a form; undefined when the client declared no form elicitation. */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  /** Show the person a link through the client (URL elicitation); undefined when the client declared none. */
  urlElicitation?: UrlElicitation;
}

/**
 * A tool is one literal: name, words, schemas, annotations and handler together. It is
 * generic in its input schema: the server parses the arguments with `input` once, and the
 * handler receives what that parse gives (`z.output<I>`), never raw arguments.
 */
export interface ToolSpec<I extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The one field annotation hints derive from, so they cannot disagree. */
  effect: 'read' | 'spend';
  input: I;
  output: z.ZodObject;
  handler(args: z.output<I>, call: ToolCall): Promise<Record<string, unknown>>;
}

/** A tool as the server lists and runs it: its input type erased. */
export type ToolDefinition = ToolSpec<z.ZodObject>;

/**
 * Checks a tool literal against its own input schema and erases the type. Sound because
 * the server calls `handler` only with the output of `input`'s parse (server.ts runTool).
 */
export function defineTool<I extends z.ZodObject>(tool: ToolSpec<I>): ToolDefinition {
  return tool;
}

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
}

export function annotationsFor(definition: ToolDefinition): ToolAnnotations {
  const read = definition.effect === 'read';
  return {
    readOnlyHint: read,
    destructiveHint: !read,
    idempotentHint: read,
    openWorldHint: true,
  };
}

/** The tool as tools/list shows it: JSON Schemas from zod, compacted. */
export function listedTool(definition: ToolDefinition): ListedTool {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: jsonSchema(definition.input, 'input'),
    outputSchema: jsonSchema(definition.output, 'output'),
    annotations: annotationsFor(definition),
  };
}

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete converted.$schema;
  return compact(converted, io) as Record<string, unknown>;
}

// tools/list is paid for, byte by byte, in every conversation's context, so the listing
// leaves out what says nothing to a model: bounds every JSON Schema reader assumes, the
// defaults of open objects, and length caps that only fend off hostile input (the server
// still enforces every one of them and names the field in its error). Input schemas also
// keep to what OpenAI and Gemini accept (test/unit/manifests.test.ts lists the rules).
function compact(node: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(node)) return node.map((item) => compact(item, io));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(node)) {
    const value = compact(raw, io);
    // Every input object is closed, and says so: OpenAI strict mode cannot convert an open
    // object without loosening it. Outputs may grow fields, so theirs is left out.
    if (io === 'output' && key === 'additionalProperties' && value === false) continue;
    if (io === 'input' && ((key === 'maxLength' && Number(value) >= 20) || (key === 'minLength' && value === 1))) continue;
    // Likewise numeric ceilings of 1,000 and more: no real order comes near them.
    if (io === 'input' && key === 'maximum' && Number(value) >= 1000) continue;
    if ((key === 'maximum' && value === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && value === Number.MIN_SAFE_INTEGER)) continue;
    // Which result fields are always there says nothing a model acts on (it reads the
    // result itself), and every tool pays for the list in every conversation.
    if (io === 'output' && key === 'required' && Array.isArray(value)) continue;
    // Nor does an array of objects whose fields are open: the result shows them.
    if (io === 'output' && key === 'items' && JSON.stringify(value) === '{"type":"object"}') continue;
    // Gemini rejects `propertyNames`; map keys are checked by the server.
    if (key === 'propertyNames') continue;
    // Open objects: both are what JSON Schema assumes when they are absent.
    if ((key === 'properties' || key === 'additionalProperties') && JSON.stringify(value) === '{}') continue;
    out[key] = value;
  }
  // OpenAI and Gemini reject an input object without `properties`, even an empty one.
  if (io === 'input' && out.type === 'object' && !out.properties) out.properties = {};
  // `exclusiveMinimum: 0` on an integer says `minimum: 1` in half the bytes.
  if (out.type === 'integer' && out.exclusiveMinimum === 0) {
    delete out.exclusiveMinimum;
    out.minimum = 1;
  }
  return out;
}

/**
 * What models send that the schema means otherwise, made what it means before the one parse
 * (server.ts runTool), so the handler, the arguments hash and the vendor all see the same:
 * - `null` for an optional field is absent: OpenAI strict-mode models send null for every
 *   field they leave out. The listing does not advertise null (no type lists or anyOf in
 *   inputs); a null for a required field is still refused by the parse. Nested objects too.
 * - Ids that look like numbers: a model often sends `order_id: 2426273` for `"2426273"`, so a
 *   safe integer given for a string field is taken as its decimal string.
 */
export function normalizeArguments(input: z.ZodObject, args: unknown): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  const out: Record<string, unknown> = { ...args };
  for (const [key, value] of Object.entries(out)) {
    // Own keys only: `constructor` or `__proto__` must not reach Object.prototype.
    if (!Object.hasOwn(input.shape, key)) continue;
    let field = input.shape[key] as z.ZodType;
    let optional = false;
    while (field.def.type === 'optional' || field.def.type === 'default') {
      optional = true;
      field = (field.def as unknown as { innerType: z.ZodType }).innerType;
    }
    if (value === null && optional && field.def.type !== 'nullable') delete out[key];
    else if (field.def.type === 'object') out[key] = normalizeArguments(field as z.ZodObject, value);
    else if (field.def.type === 'string' && typeof value === 'number' && Number.isSafeInteger(value)) out[key] = String(value);
  }
  return out;
}

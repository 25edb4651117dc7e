// The SDK's Server builds an ajv validator by default (its Node shim), only to check the
// answers to form elicitations (ours ask one boolean). ajv generates code and is the largest
// module in the bundle, so loading and instantiating it is a large share of start-up. The
// build (scripts/build.mjs) resolves the SDK's Node shim to this module instead: the SDK's own
// @cfworker/json-schema provider, which interprets schemas without code generation.
import process from 'node:process';

export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { process };

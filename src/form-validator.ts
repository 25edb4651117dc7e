// The SDK's Server builds an ajv validator by default, only to check the answers to form
// elicitations (ours ask one boolean). ajv generates code and is the largest module in the
// bundle, so loading and instantiating it is a large share of start-up. The build
// (scripts/build.mjs) resolves the SDK's ajv provider to this module instead: the SDK's own
// @cfworker/json-schema provider, which interprets schemas without code generation.
export { CfWorkerJsonSchemaValidator as AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';

// The agent framework MCP clients test/e2e/next-era-frameworks.test.ts drives, imported from
// this folder's own node_modules (ESM builds). They are not dependencies of proxycart: they
// want Node 22 and print EBADENGINE on Node 20, where they work. The test installs them
// (npm ci) when node_modules is missing or holds other versions.
export { createMCPClient } from '@ai-sdk/mcp';
export { Experimental_StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
export { Agent } from '@mastra/core/agent';
export { MCPClient } from '@mastra/mcp';
export { generateText } from 'ai';
export { MockLanguageModelV4 } from 'ai/test';

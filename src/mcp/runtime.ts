/**
 * Everything the MCP endpoints run on (the SDK, zod and every tool's schema), in one
 * module so that plugin.ts can load it after the HTTP server listens instead of
 * before: it is a third of the server's module-loading time.
 */
export { ALL_TOOLS } from './tools/index.js';
export { MCP_SERVER_NAME, buildMcpServer, prepareTools } from './server.js';
export { LegacySseTransport } from './transports/sse.js';
export { handleStreamableHttp } from './transports/streamable-http.js';

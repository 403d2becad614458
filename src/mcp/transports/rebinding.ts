import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../../config.js';

/**
 * The MCP transport spec's DNS-rebinding rule: a web page on a foreign origin (or one
 * that made its own name resolve to our address) must not reach `/mcp` through a
 * browser. So a request whose `Origin` is not one of ours, or whose `Host` does not
 * name this server, is refused before authentication. A request without `Origin`
 * (agents, CLIs, the SDK under Node) is not a browser's cross-origin call and passes.
 *
 * Ours: FRONTEND_URL's and BACKEND_URL's origins and hosts, the MCP_ALLOWED_ORIGINS /
 * MCP_ALLOWED_HOSTS lists, and loopback (`localhost`, `127.0.0.1`, `[::1]`) on the
 * port the request came in on.
 */
export class RebindingGuard {
  private readonly origins: Set<string> | '*';
  private readonly hosts: Set<string> | '*';

  constructor(config: Pick<Config, 'frontendUrl' | 'backendUrl' | 'mcp'>) {
    const publicUrls = [config.frontendUrl, config.backendUrl].flatMap((url) => (url ? [new URL(url)] : []));
    this.origins = config.mcp.allowedOrigins === '*' ? '*' : new Set([...publicUrls.map((url) => url.origin), ...config.mcp.allowedOrigins]);
    this.hosts = config.mcp.allowedHosts === '*' ? '*' : new Set([...publicUrls.map((url) => url.host), ...config.mcp.allowedHosts]);
  }

  /** Why the request must be refused (403), or undefined when it may go on. */
  problem(headers: IncomingHttpHeaders, localPort: number | undefined): string | undefined {
    const host = headers.host?.trim().toLowerCase();
    if (this.hosts !== '*' && (!host || !(this.hosts.has(host) || isLoopbackHost(host, localPort)))) {
      return `Host ${host ? `'${host.slice(0, 100)}'` : '(none)'} is not this server's; set MCP_ALLOWED_HOSTS to allow it`;
    }
    const origin = headers.origin?.trim().toLowerCase();
    if (origin !== undefined && this.origins !== '*' && !(this.origins.has(origin) || isLoopbackOrigin(origin, localPort))) {
      return `Origin '${origin.slice(0, 100)}' may not call the MCP endpoints; set MCP_ALLOWED_ORIGINS to allow it`;
    }
    return undefined;
  }
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function isLoopbackHost(host: string, port: number | undefined): boolean {
  if (port === undefined) return false;
  return LOOPBACK_NAMES.some((name) => host === `${name}:${port}` || (host === name && (port === 80 || port === 443)));
}

function isLoopbackOrigin(origin: string, port: number | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return isLoopbackHost(url.host, port) || (url.port === '' && LOOPBACK_NAMES.includes(url.hostname) && port === (url.protocol === 'https:' ? 443 : 80));
}

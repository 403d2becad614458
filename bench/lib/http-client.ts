import { Agent, request } from 'node:http';

/**
 * A keep-alive HTTP/1.1 client for the write loops. Measured here, `fetch` manages a
 * fraction of the PUTs per second `node:http` does against the same bare server
 * (GETs are close), which would make the harness, not the server, the limit.
 */
export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    readonly base: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  send(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const outgoing = request(
        `${this.base}${path}`,
        {
          method,
          agent: this.agent,
          signal: AbortSignal.timeout(this.timeoutMs),
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

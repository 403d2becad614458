import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';

/** One id check for every surface (src/domain/ids.ts): 8-4-4-4-12 hex, nothing around it. */
describe('ids', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses an id with a urn:uuid: prefix as invalid input, before it reaches the database', async () => {
    const response = await server.request('GET', `/projects/urn:uuid:${randomUUID()}`, { token: admin.token });
    expect(response.status, response.text).toBe(422);
  });

  it('accepts the same id without the prefix, in either case', async () => {
    for (const id of [randomUUID(), randomUUID().toUpperCase()]) {
      const response = await server.request('GET', `/projects/${id}`, { token: admin.token });
      expect(response.status, response.text).toBe(404);
    }
  });
});

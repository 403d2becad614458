import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer, testEnv } from '../helpers/server.js';
import { RawClient, connectSignalR, upgradeStatus, waitFor } from './helpers.js';

const RS = '\u001e';

describe('SignalR hub connections', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
  });
  afterAll(() => server.close());

  describe('with the real @microsoft/signalr client', () => {
    it('connects directly over WebSockets (skipNegotiation, as the web client does)', async () => {
      const client = await connectSignalR(server, admin.token);
      expect(client.connection.state).toBe('Connected');
      await client.stop();
    });

    it('connects after negotiating (negotiate version 1)', async () => {
      const client = await connectSignalR(server, admin.token, { negotiate: true });
      expect(client.connection.state).toBe('Connected');
      expect(client.connection.connectionId).toEqual(expect.any(String));
      await client.stop();
    });

    it('connects under /v1 as well', async () => {
      const client = await connectSignalR(server, admin.token, { path: '/v1/signalr/hub', negotiate: true });
      expect(client.connection.state).toBe('Connected');
      await client.stop();
    });

    it('gets a Completion error for an unknown method, and the connection stays usable', async () => {
      const client = await connectSignalR(server, admin.token);
      await expect(client.connection.invoke('NoSuchMethod')).rejects.toThrow(/NoSuchMethod.*does not exist/);
      await expect(client.connection.invoke('LeaveProject', '00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
      await client.stop();
    });
  });

  describe('negotiate', () => {
    it('answers version 1 with a connection token and WebSockets only', async () => {
      const response = await server.request('POST', '/signalr/hub/negotiate?negotiateVersion=1', { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        negotiateVersion: 1,
        connectionId: expect.any(String),
        connectionToken: expect.any(String),
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }],
      });
    });

    it('answers version 0 without a connection token', async () => {
      const response = await server.request('POST', '/v1/signalr/hub/negotiate', { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ connectionId: expect.any(String), availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }] });
    });

    it('is refused without a token', async () => {
      expect((await server.request('POST', '/signalr/hub/negotiate?negotiateVersion=1')).status).toBe(401);
    });

    it('accepts the empty text/plain POST older clients send, on both paths', async () => {
      for (const path of ['/signalr/hub/negotiate?negotiateVersion=1', '/v1/signalr/hub/negotiate?negotiateVersion=1']) {
        const response = await server.request('POST', path, {
          token: admin.token,
          rawBody: '',
          headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-requested-with': 'XMLHttpRequest' },
        });
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({ negotiateVersion: 1, availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }] });
      }
    });

    it('connects a client that negotiates with a text/plain content type', async () => {
      const client = await connectSignalR(server, admin.token, { negotiate: true, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
      expect(client.connection.state).toBe('Connected');
      await client.stop();
    });

    it('answers 413 to a text/plain negotiate body over 1 KiB; the rest of the API still refuses text/plain', async () => {
      const big = await server.request('POST', '/signalr/hub/negotiate', {
        token: admin.token,
        rawBody: 'x'.repeat(2048),
        headers: { 'content-type': 'text/plain' },
      });
      expect(big.status, big.text).toBe(413);
      const elsewhere = await server.request('POST', '/teams', { token: admin.token, rawBody: 'name', headers: { 'content-type': 'text/plain' } });
      expect(elsewhere.status, elsewhere.text).toBe(415);
    });
  });

  describe('authentication before the upgrade', () => {
    it('accepts the token as access_token query parameter or as a Bearer header', async () => {
      expect(await upgradeStatus(server, `/signalr/hub?access_token=${admin.token}`)).toBe(101);
      expect(await upgradeStatus(server, '/signalr/hub', { authorization: `Bearer ${admin.token}` })).toBe(101);
    });

    it('refuses a missing, invalid or expired token with 401', async () => {
      expect(await upgradeStatus(server, '/signalr/hub')).toBe(401);
      expect(await upgradeStatus(server, '/signalr/hub?access_token=not-a-token')).toBe(401);
      const past = Math.floor(Date.now() / 1000) - 3600;
      const sign = createSigner({ key: testEnv().JWT_SECRET!, algorithm: 'HS256' });
      const expired = sign({ sub: admin.id, email: admin.email, type: 'access', iat: past - 900, exp: past });
      expect(await upgradeStatus(server, `/signalr/hub?access_token=${expired}`)).toBe(401);
      await expect(connectSignalR(server, expired)).rejects.toThrow();
    });

    it('answers 404 to an upgrade on another path', async () => {
      expect(await upgradeStatus(server, `/somewhere?access_token=${admin.token}`)).toBe(404);
    });
  });

  describe('handshake', () => {
    it('answers {} to the json protocol and closes on an unsupported one with the reason', async () => {
      const client = await RawClient.open(server, admin.token, { handshake: false });
      client.send(`{"protocol":"messagepack","version":1}${RS}`);
      expect(await client.handshake).toEqual({ error: "The protocol 'messagepack' is not supported." });
      await client.closed();
    });

    it('handles the handshake and a first message arriving in one frame', async () => {
      const client = await RawClient.open(server, admin.token, { handshake: false });
      client.send(`{"protocol":"json","version":1}${RS}{"type":1,"invocationId":"a","target":"Nope","arguments":[]}${RS}`);
      expect(await client.handshake).toEqual({});
      expect((await client.completion('a')).error).toMatch(/Nope/);
      client.terminate();
    });
  });

  describe('keep-alive and timeout', () => {
    let quick: TestServer;
    let quickAdmin: Session;

    beforeAll(async () => {
      quick = await startServer();
      quick.app.fastify.realtime.configure({ pingIntervalMs: 50, clientTimeoutMs: 1500, handshakeTimeoutMs: 300 });
      quickAdmin = await loginAdmin(quick);
    });
    afterAll(() => quick.close());

    it('pings an idle client and drops one that stays silent, with the reason', async () => {
      const client = await RawClient.open(quick, quickAdmin.token);
      await waitFor(() => client.records.filter((record) => record.type === 6).length >= 2, 'two pings');
      expect((await client.closeMessage()).error).toMatch(/timeout/i);
      await client.closed();
      await waitFor(() => quick.app.fastify.realtime.connectionCount === 0, 'the hub to forget the connection');
    });

    it('keeps clients that ping: the real client stays connected across many timeout windows', async () => {
      const client = await connectSignalR(quick, quickAdmin.token, { keepAliveMs: 50, serverTimeoutMs: 5000 });
      const raw = await RawClient.open(quick, quickAdmin.token, { answerPings: true });
      // 100 pings at 50 ms or more is over three timeout windows, counted rather than slept.
      await waitFor(() => raw.records.filter((record) => record.type === 6).length >= 100, 'many pings', 30_000);
      expect(raw.closeCode).toBeUndefined();
      expect(client.connection.state).toBe('Connected');
      await client.stop();
      raw.terminate();
    });

    it('drops a socket that never completes the handshake', async () => {
      const client = await RawClient.open(quick, quickAdmin.token, { handshake: false });
      await client.closed();
    });
  });

  describe('metrics', () => {
    it('exposes a gauge of open connections', async () => {
      const client = await connectSignalR(server, admin.token);
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.text).toMatch(/^signalr_connections [1-9]/m);
      await client.stop();
    });
  });
});

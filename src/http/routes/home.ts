import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { adminExists } from '../../domain/users/bootstrap.js';
import { type HomePageInput, renderHomePage } from '../home-page.js';
import { API_VERSION } from '../plugins/openapi.js';
import { readinessChecks } from './system.js';

// The page sends no script and loads nothing; forms post only back here.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const FORM_BODY_LIMIT_BYTES = 16 * 1024;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * The server's own address for the links on the page: the configured public URL
 * (BACKEND_URL) when there is one, else what the client used to get here. The Host
 * header is the client's to choose, so the page escapes it like any other input.
 */
function baseUrlOf(request: FastifyRequest): string {
  const configured = request.server.services.config.backendUrl;
  if (configured) return configured.replace(/\/+$/, '');
  return `${request.protocol}://${request.host || 'localhost'}`;
}

function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `GET /`: what this server is, its health, API links, MCP set-up with this server's
 * URL, and — while no admin exists — a form that registers the first admin with the
 * one-time code the start banner printed. `POST /` handles that form server-side, so
 * the page needs no JavaScript. Not under /v1: it is a page, not an API route.
 */
export default async function homeRoutes(app: FastifyInstance) {
  // Encapsulated in this plugin: the rest of the API keeps taking JSON only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT_BYTES }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  /** `knownHasAdmin`: what the handler has just learned, so the page does not ask the database again. */
  async function sendPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Partial<HomePageInput>,
    knownHasAdmin?: boolean,
  ): Promise<FastifyReply> {
    const { services } = request.server;
    const [health, hasAdmin] = await Promise.all([readinessChecks(services), knownHasAdmin ?? adminExists(services.database.db)]);
    const page = renderHomePage({
      baseUrl: baseUrlOf(request),
      version: API_VERSION,
      health,
      ...extra,
      register: hasAdmin ? undefined : (extra.register ?? {}),
    });
    return reply
      .status(status)
      .header('Content-Security-Policy', PAGE_CSP)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page);
  }

  app.get('/', { schema: { hide: true }, config: { limit: 'none' } }, async (request, reply) => {
    const code = field(request.query, 'code');
    return sendPage(request, reply, 200, { register: { code: code?.slice(0, 128) } });
  });

  app.post('/', { schema: { hide: true }, config: { limit: 'register' } }, async (request, reply) => {
    const { auth, database, contextFor } = request.server.services;
    const input = {
      code: field(request.body, 'invitation_code')?.trim() ?? '',
      email: field(request.body, 'email')?.trim() ?? '',
      name: field(request.body, 'name')?.trim().slice(0, 255),
      password: field(request.body, 'password') ?? '',
    };
    const refuse = (status: number, message: string, hasAdmin?: boolean) =>
      sendPage(request, reply, status, { notice: { kind: 'error', message }, register: { code: input.code, email: input.email, name: input.name } }, hasAdmin);

    if (await adminExists(database.db)) {
      return refuse(409, 'An admin exists already; this form only registers the first one. Ask an admin for an invitation.', true);
    }
    if (!input.code || input.code.length > 128) return refuse(400, 'Enter the one-time admin code the server printed at start.', false);
    if (!EMAIL.test(input.email) || input.email.length > 320) return refuse(400, 'Enter a valid email address.', false);
    if (!input.password || input.password.length > 1024) return refuse(400, 'Enter a password.', false);
    try {
      const { user } = await auth.register(database.db, contextFor, { ...input, invitationCode: input.code });
      const message =
        user.role === 'admin'
          ? `Registered ${user.email} as the admin. Log in with POST /auth/login to get a token.`
          : `Registered ${user.email}.`;
      return sendPage(request, reply, 201, { notice: { kind: 'success', message } }, user.role === 'admin' || undefined);
    } catch (error) {
      if (error instanceof DomainError) return refuse(error.status, error.message);
      throw error;
    }
  });
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FakeGitHubState, type FakeGitHubUser, type FakeRepo, type RepoPermission, permits } from './state.js';

export const DOCUMENTATION_URL = 'https://docs.github.com/rest';

/** What the route modules share with the machinery in index.ts. */
export interface RouteContext {
  state: FakeGitHubState;
  /** The authenticated user; undefined when anonymous (a bad token never reaches a route). */
  callerOf(request: FastifyRequest): FakeGitHubUser | undefined;
  /** The fake's own origin, e.g. http://127.0.0.1:PORT, known once it listens. */
  baseUrl(): string;
}

export interface RepoParams {
  owner: string;
  repo: string;
}

export function sendMessage(reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ message, ...extra, documentation_url: DOCUMENTATION_URL });
}

export function sendBadCredentials(reply: FastifyReply): FastifyReply {
  return sendMessage(reply, 401, 'Bad credentials');
}

export function sendRequiresAuthentication(reply: FastifyReply): FastifyReply {
  return sendMessage(reply, 401, 'Requires authentication');
}

export function sendNotFound(reply: FastifyReply, message = 'Not Found'): FastifyReply {
  return sendMessage(reply, 404, message);
}

export function sendValidationFailed(reply: FastifyReply, resource: string, field: string, code = 'missing_field'): FastifyReply {
  return sendMessage(reply, 422, 'Validation Failed', { errors: [{ resource, field, code }] });
}

/**
 * The repository of `:owner/:repo` if the caller may use it as `needed`; otherwise
 * sends GitHub's answer and returns undefined. An invisible repository is 404, never
 * 403, so its existence does not leak — as GitHub does.
 */
export function authorizeRepo(
  context: RouteContext,
  request: FastifyRequest<{ Params: RepoParams }>,
  reply: FastifyReply,
  needed: RepoPermission,
): FakeRepo | undefined {
  const repo = context.state.findRepo(request.params.owner, request.params.repo);
  const caller = context.callerOf(request);
  const permission = repo ? context.state.permissionOf(repo, caller?.login) : undefined;
  if (!repo || !permission) {
    sendNotFound(reply);
    return undefined;
  }
  if (permits(permission, needed)) return repo;
  if (!caller) sendRequiresAuthentication(reply);
  else sendMessage(reply, 403, 'Resource not accessible by integration');
  return undefined;
}

/** One query parameter, read from the raw URL: Fastify's parsed query may hold arrays. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  return new URL(request.url, 'http://fake.invalid').searchParams.get(name) ?? undefined;
}

/** The JSON (or form) body as an object to pick fields from; anything else counts as empty. */
export function bodyFields(request: FastifyRequest): Record<string, unknown> {
  const body: unknown = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function stringField(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The `page` of `items` that `per_page`/`page` ask for (30 and 1 by default, at most
 * 100 a page, like GitHub), with a Link header naming the neighbouring pages.
 */
export function paginate<T>(context: RouteContext, request: FastifyRequest, reply: FastifyReply, items: T[]): T[] {
  const perPage = Math.min(100, positiveInteger(queryParam(request, 'per_page')) ?? 30);
  const page = positiveInteger(queryParam(request, 'page')) ?? 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pageUrl = (target: number): string => {
    const url = new URL(request.url, context.baseUrl());
    url.searchParams.set('page', String(target));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
  if (links.length > 0) reply.header('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 ? value : undefined;
}

/** GitHub's opaque global ids; clients only compare them, so any stable string does. */
export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString('base64url');
}

export function repoApiUrl(context: RouteContext, repo: FakeRepo): string {
  return `${context.baseUrl()}/repos/${repo.owner}/${repo.name}`;
}

export function repoHtmlUrl(context: RouteContext, repo: FakeRepo): string {
  return `${context.baseUrl()}/${repo.owner}/${repo.name}`;
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createBranch, getBranch, listFeatureBranches, listProjectBranches } from '../../domain/github/branches.js';
import { connectRepository, listRepositoryAccess, projectRepository } from '../../domain/github/repos.js';
import { pageRequest } from '../../domain/pagination.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors } from '../schemas/common.js';
import {
  Branch,
  BranchDetail,
  BranchListQuery,
  BranchPage,
  ConnectRepoBody,
  CreateBranchBody,
  FeatureBranchList,
  FeatureIdParams,
  ProjectIdParams,
  RepoInfo,
  RepositoryAccessRow,
  presentBranch,
  presentBranchDetail,
  presentFeatureBranch,
  presentRepositoryAccess,
} from '../schemas/github.js';

const tags = ['github'];
const security = [{ bearerAuth: [] }];

/** What a route that asks GitHub can answer besides its own errors. */
const GITHUB_ERRORS =
  ' GitHub acts as you (your connected account, else the server’s token): 409 "GitHub not connected: …" without either, ' +
  '404 when the repository or object is missing or hidden from that account, 403 when it may not do this, 502 when GitHub fails, is slow or rate-limits.';

/**
 * `/github/*`: a project's repository, what the caller may do in each project's
 * repository, and the branches recorded for features (reference rest-api.md §1.10).
 */
const githubRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/github/projects/:pid/connect',
    {
      schema: {
        tags,
        summary: 'Connect a GitHub repository to a project',
        description:
          'Team leaders (and admins). The repository must be visible to your GitHub account; the project then records its URL and GitHub id. ' +
          'An owner or repo that is not a GitHub name is 400.' +
          GITHUB_ERRORS,
        security,
        params: ProjectIdParams,
        body: ConnectRepoBody,
        response: { 200: RepoInfo, ...errors(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request) => (await connectRepository(contextOf(request), request.params.pid, request.body.owner, request.body.repo)).repo,
  );

  app.get(
    '/github/projects/:pid/repo',
    {
      schema: {
        tags,
        summary: 'The project’s GitHub repository, live',
        description: '404 "Project has no GitHub repository connected" when it has none; 400 when its recorded URL names no repository.' + GITHUB_ERRORS,
        security,
        params: ProjectIdParams,
        response: { 200: RepoInfo, ...errors(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request) => (await projectRepository(contextOf(request), request.params.pid)).repo,
  );

  app.get(
    '/github/projects/access',
    {
      schema: {
        tags,
        summary: 'What your GitHub account may do in each project’s repository',
        description:
          'One row per project you can see. Without a repository: `has_access` true, `access_level` "read". With one: your own account’s permission ' +
          '(admin, write, read); not connected, not visible or a failed check gives `has_access` false, `access_level` null and the reason in `error`. ' +
          'Never fails for GitHub’s sake.',
        security,
        response: { 200: Type.Array(RepositoryAccessRow), ...errors(401) },
      },
    },
    async (request) => (await listRepositoryAccess(contextOf(request))).map(presentRepositoryAccess),
  );

  app.get(
    '/github/projects/:pid/branches',
    {
      schema: {
        tags,
        summary: 'Branches recorded for the project, newest first',
        security,
        params: ProjectIdParams,
        querystring: BranchListQuery,
        response: { 200: BranchPage, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const page = await listProjectBranches(contextOf(request), request.params.pid, pageRequest(request.query));
      const branches = page.items.map(presentBranch);
      return { branches, total: page.total, page: page.page, page_size: page.pageSize, count: branches.length };
    },
  );

  app.post(
    '/github/branches',
    {
      schema: {
        tags,
        summary: 'Create a branch on GitHub for a feature',
        description:
          'Creates `branch_name` at the tip of `from_branch` (default "main") in the repository of the feature’s project and records it for the feature. ' +
          'A name git would refuse is 400; a branch that already exists is 409.' +
          GITHUB_ERRORS,
        security,
        body: CreateBranchBody,
        response: { 201: Branch, ...errors(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const { feature_id, branch_name, from_branch } = request.body;
      const branch = await createBranch(contextOf(request), { featureId: feature_id, branchName: branch_name, fromBranch: from_branch });
      return reply.status(201).send(presentBranch(branch));
    },
  );

  app.get(
    '/github/branches/:id',
    {
      schema: {
        tags,
        summary: 'A recorded branch, with GitHub’s view of it',
        description: '`github_info` is GitHub’s branch now, or null when the project has no repository, you have no GitHub account, or GitHub failed.',
        security,
        params: IdParams,
        response: { 200: BranchDetail, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentBranchDetail(await getBranch(contextOf(request), request.params.id)),
  );

  app.get(
    '/github/features/:fid/branches',
    {
      schema: {
        tags,
        summary: 'Branches recorded for a feature, newest first',
        security,
        params: FeatureIdParams,
        response: { 200: FeatureBranchList, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const branches = (await listFeatureBranches(contextOf(request), request.params.fid)).map(presentFeatureBranch);
      return { branches, count: branches.length };
    },
  );
};

export default githubRoutes;

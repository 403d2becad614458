import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { convertIdea, createIdea, deleteIdea, getIdea, listIdeas, updateIdea } from '../../domain/ideas/service.js';
import { pageRequest } from '../../domain/pagination.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors, pageBody, paged } from '../schemas/common.js';
import { ConvertIdeaBody, CreateIdeaBody, Idea, IdeaListQuery, UpdateIdeaBody, presentIdea } from '../schemas/idea.js';
import { Project, presentProject } from '../schemas/project.js';

const tags = ['ideas'];
const security = [{ bearerAuth: [] }];

/**
 * `/ideas`: a team's ideas, before they become projects. Members note and read them;
 * team leaders edit, delete and convert them.
 */
const ideasRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/ideas',
    {
      schema: {
        tags,
        summary: 'Note an idea for one of your teams',
        security,
        body: CreateIdeaBody,
        response: { 201: Idea, ...errors(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const idea = await createIdea(contextOf(request), {
        teamId: body.team_id,
        title: body.title,
        description: body.description,
        status: body.status,
        tags: body.tags,
      });
      return reply.status(201).send(presentIdea(idea));
    },
  );

  app.get(
    '/ideas',
    {
      schema: {
        tags,
        summary: 'List the ideas of your teams, newest first',
        security,
        querystring: IdeaListQuery,
        response: { 200: paged('ideas', Idea), ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { status, team_id, ...window } = request.query;
      const page = await listIdeas(contextOf(request), { status, teamId: team_id }, pageRequest(window));
      return pageBody('ideas', page, presentIdea);
    },
  );

  app.get(
    '/ideas/:id',
    { schema: { tags, summary: 'Get an idea', security, params: IdParams, response: { 200: Idea, ...errors(401, 404, 422) } } },
    async (request) => presentIdea(await getIdea(contextOf(request), request.params.id)),
  );

  app.put(
    '/ideas/:id',
    {
      schema: {
        tags,
        summary: 'Update an idea (team leaders)',
        description: 'Fields left out are unchanged.',
        security,
        params: IdParams,
        body: UpdateIdeaBody,
        response: { 200: Idea, ...errors(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const idea = await updateIdea(contextOf(request), request.params.id, {
        title: body.title,
        description: body.description,
        status: body.status,
        tags: body.tags,
      });
      return presentIdea(idea);
    },
  );

  app.delete(
    '/ideas/:id',
    {
      schema: {
        tags,
        summary: 'Delete an idea (team leaders)',
        description: 'A project converted from the idea stays.',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await deleteIdea(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/ideas/:id/convert',
    {
      schema: {
        tags,
        summary: 'Turn an idea into a project of its team (team leaders)',
        description:
          'Idempotent: an idea already converted answers its project. The project gets its "Default" element; name, ' +
          'description and tags default to the idea’s (an empty `project_tags` too), status to `active`. ' +
          'An archived idea cannot be converted (400).',
        security,
        params: IdParams,
        body: ConvertIdeaBody,
        response: { 201: Type.Ref(Project), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const project = await convertIdea(contextOf(request), request.params.id, {
        projectName: body.project_name,
        projectDescription: body.project_description,
        projectStatus: body.project_status,
        projectTags: body.project_tags,
        technologyTags: body.technology_tags,
      });
      return reply.status(201).send(presentProject(project));
    },
  );
};

export default ideasRoutes;

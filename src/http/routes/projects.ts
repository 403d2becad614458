import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { pageRequest } from '../../domain/pagination.js';
import { createProject, deleteProject, getProject, listProjects, updateProject } from '../../domain/projects/service.js';
import { contextOf } from '../plugins/auth.js';
import { sendProjectView } from '../views.js';
import { IdParams, errors, pageBody, paged } from '../schemas/common.js';
import { CreateProjectBody, Project, ProjectListQuery, UpdateProjectBody, presentProject, projectFieldsOf } from '../schemas/project.js';

const tags = ['projects'];
const security = [{ bearerAuth: [] }];

/** `/projects`: a team's projects. Members read and create; team leaders edit and delete. */
const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/projects',
    {
      schema: {
        tags,
        summary: 'Create a project in one of your teams (with its "Default" element)',
        security,
        body: CreateProjectBody,
        response: { 201: Type.Ref(Project), ...errors(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const project = await createProject(contextOf(request), projectFieldsOf(body));
      return reply.status(201).send(presentProject(project));
    },
  );

  app.get(
    '/projects',
    {
      schema: {
        tags,
        summary: 'List the projects of your teams, newest first',
        security,
        querystring: ProjectListQuery,
        response: { 200: paged('projects', Type.Ref(Project)), ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { status, team_id, ...window } = request.query;
      const page = await listProjects(contextOf(request), { status, teamId: team_id }, pageRequest(window));
      return pageBody('projects', page, presentProject);
    },
  );

  app.get(
    '/projects/:id',
    { schema: { tags, summary: 'Get a project', security, params: IdParams, response: { 200: Type.Ref(Project), ...errors(401, 404, 422) } } },
    async (request, reply) => {
      const project = await getProject(contextOf(request), request.params.id);
      return sendProjectView(request, reply, { kind: 'project', project }, () => presentProject(project));
    },
  );

  app.put(
    '/projects/:id',
    {
      schema: {
        tags,
        summary: 'Update a project (team leaders)',
        description:
          'Fields left out are unchanged. `resume_context` is merged into the stored one: top-level keys are replaced, ' +
          'objects under the same key are merged one level deep. Moving to another team needs membership there. ' +
          'An archived project is read-only until its status changes.',
        security,
        params: IdParams,
        body: UpdateProjectBody,
        response: { 200: Type.Ref(Project), ...errors(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const project = await updateProject(contextOf(request), request.params.id, projectFieldsOf(body));
      return presentProject(project);
    },
  );

  app.delete(
    '/projects/:id',
    {
      schema: {
        tags,
        summary: 'Delete a project and everything in it (team leaders)',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await deleteProject(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default projectRoutes;

import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.js';

/** Bounds the raw query values; the rules on `redirect_path` and `state` are the domain's (400 naming them). */
const QUERY_VALUE_LIMIT = 4096;

export const AuthorizeQuery = Type.Object({
  redirect_path: Type.Optional(
    Type.String({
      maxLength: QUERY_VALUE_LIMIT,
      description: 'Where on the web client to return afterwards: a path starting with one `/` (default `/settings`), at most 500 characters',
    }),
  ),
  state: Type.Optional(
    Type.String({
      maxLength: QUERY_VALUE_LIMIT,
      description: 'Your own OAuth `state` (16–200 characters of `A-Z a-z 0-9 . _ ~ -`); generated when left out',
    }),
  ),
});

export const AuthorizeResponse = Type.Object({
  authorization_url: Type.String({ description: "GitHub's authorization page; send the browser there" }),
  state: Type.String({ description: 'The `state` GitHub will send back with the code; valid once, for 10 minutes' }),
});

export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: QUERY_VALUE_LIMIT, description: "GitHub's authorization code" })),
  state: Type.String({ minLength: 1, maxLength: QUERY_VALUE_LIMIT }),
  error: Type.Optional(Type.String({ maxLength: QUERY_VALUE_LIMIT, description: 'Sent by GitHub instead of `code` when the user declined' })),
  error_description: Type.Optional(Type.String({ maxLength: QUERY_VALUE_LIMIT })),
});

export const CallbackResponse = Type.Object({
  message: Type.String(),
  github_username: Type.String(),
  avatar_url: Nullable(Type.String()),
  redirect_path: Type.String({ description: 'The `redirect_path` the authorization was started with' }),
});

export const GitHubStatus = Type.Object({
  connected: Type.Boolean({ description: 'GitHub accepted the token just now' }),
  via: Nullable(Type.String({ description: "`user` (your own account's token), `deployment` (the server's GITHUB_TOKEN), or null (none)" })),
  github_username: Nullable(Type.String()),
  token_expires_at: Nullable(Timestamp),
  scopes: Type.Optional(Type.Array(Type.String(), { description: 'The scopes GitHub reports for the token, when it reports them' })),
  reason: Type.Optional(Type.String({ description: 'Why not connected' })),
});

/** A query parameter the schema cannot require (its alternative may stand in), missing: the 422 the schema would give. */
export function missingQueryParameter(name: string): Error {
  return Object.assign(new Error(`${name} is required`), {
    statusCode: 422,
    validationContext: 'querystring',
    validation: [
      {
        keyword: 'required',
        instancePath: '',
        schemaPath: '#/required',
        params: { missingProperty: name },
        message: `must have required property '${name}'`,
      },
    ],
  });
}

export const DisconnectResponse = Type.Object({
  message: Type.String(),
  /** Whether GitHub confirmed revoking the app's authorization (false: GitHub down, or it had forgotten the token already). */
  github_grant_revoked: Type.Boolean(),
});

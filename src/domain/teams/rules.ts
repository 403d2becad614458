import type { TEAM_LANGUAGES } from '../enums.js';
import { TEAM_ROLES } from '../enums.js';

export type TeamLanguage = (typeof TEAM_LANGUAGES)[number];

export function isTeamRole(value: string): value is (typeof TEAM_ROLES)[number] {
  return (TEAM_ROLES as readonly string[]).includes(value);
}

/**
 * Candidate names for a new leader's own team: "<name>'s Team", then " 1", " 2"…
 * The caller takes the first one the unique index accepts.
 */
export function* personalTeamNames(displayName: string): Generator<string> {
  const base = `${displayName}'s Team`;
  yield base;
  for (let suffix = 1; ; suffix += 1) yield `${base} ${suffix}`;
}

/** Who a personal team is named after: the user's name, else the email's local part. */
export function personalTeamOwnerName(user: { name: string | null; email: string }): string {
  return user.name?.trim() || user.email.split('@')[0] || user.email;
}

export const MAX_TEAM_NAME_LENGTH = 255;

// Control characters, unpaired surrogates: never part of a name.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}]/u;
// Anything that shows: not a space or separator, not a format character (zero-width
// space and joiner, bidi overrides), not one of the Hangul fillers that render blank.
const VISIBLE = /[^\s\p{Z}\p{Cf}\u115F\u1160\u3164\uFFA0]/u;

/**
 * Why `name` cannot name a team, or undefined when it can. Team names are shown in
 * lists and pickers and must be unique, so a name must have something to see, and no
 * control characters that would break a line or hide what it says.
 */
export function teamNameProblem(name: string): string | undefined {
  if (name.length > MAX_TEAM_NAME_LENGTH) return `Team name must be at most ${MAX_TEAM_NAME_LENGTH} characters`;
  if (FORBIDDEN_IN_NAME.test(name)) return 'Team name must not contain control characters or invalid Unicode';
  if (!VISIBLE.test(name)) return 'Team name must contain at least one visible character';
  return undefined;
}

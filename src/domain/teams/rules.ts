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

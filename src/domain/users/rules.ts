import { USER_ROLES } from '../enums.js';

export type UserRole = (typeof USER_ROLES)[number];

const SPECIAL_CHARACTERS = '!@#$%^&*(),.?":{}|<>';

/**
 * The password policy, as a list of what is missing, so one message can name every
 * rule at once. No byte limit: argon2 hashes the whole input.
 */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < 8) problems.push('at least 8 characters');
  if (length > 128) problems.push('at most 128 characters');
  if (!/[A-Z]/.test(password)) problems.push('at least one uppercase letter');
  if (!/[a-z]/.test(password)) problems.push('at least one lowercase letter');
  if (!/[0-9]/.test(password)) problems.push('at least one number');
  if (![...password].some((char) => SPECIAL_CHARACTERS.includes(char))) {
    problems.push(`at least one special character (${SPECIAL_CHARACTERS})`);
  }
  return problems;
}

export function passwordPolicyMessage(problems: string[]): string {
  return `Password must contain ${problems.join(', ')}`;
}

/** Emails are compared case-insensitively everywhere, so they are stored lower-case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isUserRole(value: string): value is UserRole {
  return (USER_ROLES as readonly string[]).includes(value);
}

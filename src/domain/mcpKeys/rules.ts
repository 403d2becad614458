import { createHash } from 'node:crypto';
import { MCP_TOOL_PROFILES } from '../enums.js';

export type ToolProfile = (typeof MCP_TOOL_PROFILES)[number];
export { MCP_TOOL_PROFILES };

/** Every plaintext key starts with this, so people and secret scanners recognise one. */
export const MCP_KEY_PREFIX = 'intracker_mcp_';
/** 32 random bytes: 43 base64url characters after the prefix. */
export const MCP_KEY_RANDOM_BYTES = 32;
export const MAX_EXPIRES_IN_DAYS = 3650;

export function plaintextKey(randomPart: string): string {
  return `${MCP_KEY_PREFIX}${randomPart}`;
}

/**
 * What is stored of a key: its unsalted SHA-256 in hex. Unsalted on purpose: the key
 * is 256 random bits, so there is nothing to brute-force, and a lookup by hash must
 * stay one indexed query. Hashing ~60 bytes is microseconds: fine on the event loop.
 */
export function hashKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

export function looksLikeMcpKey(text: string): boolean {
  return text.startsWith(MCP_KEY_PREFIX) && text.length > MCP_KEY_PREFIX.length;
}

export function expiryFrom(now: Date, expiresInDays: number | undefined): Date | null {
  return expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * 86_400_000);
}

export function isUsable(key: { isActive: boolean; expiresAt: Date | null }, now: Date): boolean {
  return key.isActive && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime());
}

/** Onboarding only ever moves forward; creating a key reaches step 2 ("MCP key created"). */
export const ONBOARDING_MCP_KEY_STEP = 2;
/** Onboarding step "complete": reached once setup is (an active key and GitHub connected). */
export const ONBOARDING_COMPLETE_STEP = 5;

/** data-model §3.13: setup is complete when the user has an active key and a GitHub token. */
export function isSetupCompleted(hasActiveKey: boolean, hasGithubToken: boolean): boolean {
  return hasActiveKey && hasGithubToken;
}

import { describe, expect, it } from 'vitest';
import { type InvitationRow, invitationRefusal, registerUrl } from '../../src/domain/invitations/rules.js';

const now = new Date('2026-01-10T12:00:00Z');

function invitation(overrides: Partial<InvitationRow> = {}): InvitationRow {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    code: 'code',
    type: 'team',
    teamId: '00000000-0000-4000-8000-000000000002',
    memberRole: 'member',
    expiresAt: new Date('2026-01-17T12:00:00Z'),
    maxUses: 1,
    usesCount: 0,
    isActive: true,
    usedAt: null,
    usedBy: null,
    emailSentTo: null,
    emailSentAt: null,
    emailError: null,
    createdBy: null,
    updatedBy: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

// The claim is one conditional UPDATE in SQL; these rules only explain a refusal, in
// the reference's order, and are what the API tests see as messages.
describe('invitation refusal reasons', () => {
  it('accepts a fresh code', () => {
    expect(invitationRefusal(invitation(), now)).toBeUndefined();
  });

  it('says an unknown code is invalid', () => {
    expect(invitationRefusal(undefined, now)).toBe('Invalid invitation code');
  });

  it('says a deactivated code is not active, before anything else', () => {
    expect(invitationRefusal(invitation({ isActive: false, usesCount: 1, expiresAt: new Date(0) }), now)).toBe(
      'Invitation code is not active',
    );
  });

  it('says a single-use code has been used', () => {
    expect(invitationRefusal(invitation({ usesCount: 1 }), now)).toBe('Invitation code has already been used');
  });

  it('says a multi-use code has reached its maximum', () => {
    expect(invitationRefusal(invitation({ maxUses: 3, usesCount: 3 }), now)).toBe(
      'Invitation code has reached its maximum number of uses',
    );
  });

  it('lets an unlimited code be used any number of times', () => {
    expect(invitationRefusal(invitation({ maxUses: null, usesCount: 1000 }), now)).toBeUndefined();
  });

  it('says an expired code has expired, at the exact instant too', () => {
    expect(invitationRefusal(invitation({ expiresAt: now }), now)).toBe('Invitation code has expired');
    expect(invitationRefusal(invitation({ expiresAt: new Date(now.getTime() + 1) }), now)).toBeUndefined();
  });

  it('builds the register link the web client reads', () => {
    expect(registerUrl('https://app.example.test', 'abc', 'a+b@example.test')).toBe(
      'https://app.example.test/register?code=abc&email=a%2Bb%40example.test',
    );
  });
});

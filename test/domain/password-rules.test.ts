import { describe, expect, it } from 'vitest';
import { normalizeEmail, passwordProblems } from '../../src/domain/users/rules.js';

describe('password policy rules', () => {
  it('accepts a password meeting every rule', () => {
    expect(passwordProblems('Str0ng!Pass')).toEqual([]);
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    expect(passwordProblems('Ab1!😀😀😀😀')).toEqual([]);
    expect(passwordProblems('Ab1!😀😀😀')).toEqual(['at least 8 characters']);
  });

  it('accepts exactly 128 characters and refuses 129', () => {
    const base = 'Ab1!';
    expect(passwordProblems(base + 'x'.repeat(124))).toEqual([]);
    expect(passwordProblems(base + 'x'.repeat(125))).toEqual(['at most 128 characters']);
  });

  it('treats only the listed characters as special', () => {
    expect(passwordProblems('Abcdefg1_')).toContain('at least one special character (!@#$%^&*(),.?":{}|<>)');
    expect(passwordProblems('Abcdefg1|')).toEqual([]);
  });
});

describe('email normalisation', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
});

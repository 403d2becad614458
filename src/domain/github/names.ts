import { RuleViolation } from '../errors.js';

/**
 * GitHub's and git's naming rules, pure: repository owners and names, the repository
 * URLs a project may record, branch names, and the branch name made for a feature.
 */

export interface RepoName {
  owner: string;
  repo: string;
}

/** 1–39 letters, digits or single hyphens, neither first nor last (GitHub's rule for accounts). */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** 1–100 of letters, digits, `.`, `_`, `-` (GitHub's rule for repositories); `.` and `..` are not names. */
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export function ownerProblem(owner: string): string | undefined {
  if (OWNER.test(owner)) return undefined;
  return `owner "${owner}" is not a GitHub account name (1-39 letters, digits or single hyphens, not starting or ending with a hyphen)`;
}

export function repoProblem(repo: string): string | undefined {
  if (REPO.test(repo) && repo !== '.' && repo !== '..') return undefined;
  return `repo "${repo}" is not a GitHub repository name (1-100 letters, digits, ".", "_" or "-"; not "." or "..")`;
}

/** The owner and repository a caller named, checked: 400 naming the bad part. */
export function checkRepoName(owner: string, repo: string): RepoName {
  const problem = ownerProblem(owner) ?? repoProblem(repo);
  if (problem) throw new RuleViolation(problem);
  return { owner, repo };
}

/**
 * `https://<host>/<owner>/<repo>[.git][/]` (http too, for GitHub Enterprise behind a
 * proxy and the tests' loopback fake) or `git@<host>:<owner>/<repo>[.git]` /
 * `ssh://git@<host>/<owner>/<repo>[.git]`.
 */
const REPO_URL = /^(?:https?:\/\/[^/\s@]+\/|git@[^:/\s]+:|ssh:\/\/git@[^/\s]+\/)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/;

/** The repository a project's `github_repo_url` names; 400 when it names none. */
export function parseRepoUrl(url: string): RepoName {
  const match = REPO_URL.exec(url.trim());
  const problem = match ? (ownerProblem(match[1]!) ?? repoProblem(match[2]!)) : 'expected https://github.com/<owner>/<repo> or git@github.com:<owner>/<repo>.git';
  if (!match || problem) throw new RuleViolation(`project's GitHub repository URL is not valid: "${url}" (${problem})`);
  return { owner: match[1]!, repo: match[2]! };
}

/**
 * Why `name` cannot be a branch (git check-ref-format --branch), or undefined when it
 * can: no empty, `.`-led or `.lock`-ending component, no `..`, `@{`, `//`, control
 * characters, blanks or any of `~^:?*[\`, not led by `-` or `/`, not ending in `/` or
 * `.`, and not `@` alone.
 */
export function branchNameProblem(name: string): string | undefined {
  const refused = (why: string) => `"${name}" is not a valid git branch name: ${why}`;
  if (name.length === 0) return refused('it is empty');
  if (name.length > 255) return refused('it is longer than 255 characters');
  if (name === '@') return refused('"@" alone is reserved');
  if (name.startsWith('-')) return refused('it starts with "-"');
  if (name.startsWith('/') || name.endsWith('/')) return refused('it starts or ends with "/"');
  if (name.endsWith('.')) return refused('it ends with "."');
  if (name.includes('..')) return refused('it contains ".."');
  if (name.includes('//')) return refused('it contains "//"');
  if (name.includes('@{')) return refused('it contains "@{"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return refused('it contains a blank, a control character or one of ~ ^ : ? * [ \\');
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return refused(`the part "${component}" starts with "."`);
    if (component.endsWith('.lock')) return refused(`the part "${component}" ends with ".lock"`);
  }
  return undefined;
}

export function checkBranchName(name: string, what = 'branch_name'): string {
  const problem = branchNameProblem(name);
  if (problem) throw new RuleViolation(`${what}: ${problem}`);
  return name;
}

export const FEATURE_BRANCH_PREFIX = 'feature/';
export const FEATURE_BRANCH_MAX_LENGTH = 50;

/**
 * `feature/<slug>` for a feature, at most 50 characters: the name lower-cased, accents
 * dropped, blanks and underscores as `-`, anything git or a shell would trip on left
 * out. A name with nothing usable in it falls back to the feature's id.
 */
export function featureBranchName(featureName: string, featureId: string): string {
  const room = FEATURE_BRANCH_MAX_LENGTH - FEATURE_BRANCH_PREFIX.length;
  const slug = featureName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/[^a-z0-9.-]+/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .slice(0, room)
    .replace(/\.lock$/, '')
    .replace(/^[.-]+|[.-]+$/g, '');
  return `${FEATURE_BRANCH_PREFIX}${slug === '' ? featureId.slice(0, 8) : slug}`;
}

import { randomBytes } from 'node:crypto';

export type RepoPermission = 'admin' | 'write' | 'read';

export interface FakeGitHubUser {
  login: string;
  id: number;
  avatar_url: string;
  name: string | null;
  email: string | null;
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  default_branch: string;
  /** login -> 'admin' | 'write' | 'read'; the owner login is always admin */
  collaborators: Record<string, RepoPermission>;
  /** branch name -> the sha of its tip */
  branches: Map<string, string>;
  /** Issues and, like GitHub, one entry per pull request (`is_pull_request`). */
  issues: FakeIssue[];
  milestones: FakeMilestone[];
  pulls: FakePull[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  milestone: number | null;
  assignees: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  is_pull_request?: boolean;
}

export interface FakeMilestone {
  number: number;
  title: string;
  description: string | null;
  state: 'open' | 'closed';
  due_on: string | null;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  head: string;
  base: string;
  head_sha: string;
  created_at: string;
  updated_at: string;
}

export interface FakeCommit {
  sha: string;
  message: string;
  date: string;
  /** null for a root commit */
  parent: string | null;
}

interface IssuedToken {
  login: string;
  /** Epoch milliseconds; null for a token that never expires. */
  expiresAt: number | null;
}

/** A 40-hex-digit sha, like a git object id. */
export function newSha(): string {
  return randomBytes(20).toString('hex');
}

const RANK: Record<RepoPermission, number> = { read: 1, write: 2, admin: 3 };

/** Whether `granted` is at least `needed`. */
export function permits(granted: RepoPermission | undefined, needed: RepoPermission): boolean {
  return granted !== undefined && RANK[granted] >= RANK[needed];
}

/**
 * Everything the fake knows: accounts, tokens, repositories and their commits. Plain
 * data that tests may also read and change directly (e.g. close an issue by setting
 * its `state`); the HTTP side reads it afresh on every request.
 */
export class FakeGitHubState {
  readonly users = new Map<string, FakeGitHubUser>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly repos = new Map<string, FakeRepo>();
  /** Organisations (repo owners that are not users) need stable ids too. */
  private readonly accountIds = new Map<string, number>();
  /** Per repository: every commit it knows, by sha. A WeakMap keeps FakeRepo plain. */
  private readonly commits = new WeakMap<FakeRepo, Map<string, FakeCommit>>();
  /** Ids of issues, pulls and milestones, which the public shapes leave out. */
  private readonly objectIds = new WeakMap<object, number>();
  /**
   * Ids start at a random point: tests of one run share a database, and a webhook finds
   * its project by repository id, so two fakes must not both hand out repository 1.
   */
  private lastId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  idOf(object: object): number {
    let id = this.objectIds.get(object);
    if (id === undefined) {
      id = this.nextId();
      this.objectIds.set(object, id);
    }
    return id;
  }

  /** Calling it again for a known login gives that user another token. */
  addUser(login: string): { user: FakeGitHubUser; token: string } {
    let user = this.users.get(login);
    if (!user) {
      const id = this.accountId(login);
      user = { login, id, avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`, name: login, email: `${login}@example.com` };
      this.users.set(login, user);
    }
    return { user, token: this.issueToken(login, 'ghp_', null) };
  }

  accountId(login: string): number {
    const user = this.users.get(login);
    if (user) return user.id;
    let id = this.accountIds.get(login);
    if (id === undefined) {
      id = this.nextId();
      this.accountIds.set(login, id);
    }
    return id;
  }

  /** `prefix` follows GitHub's token formats (ghp_ personal, gho_ OAuth), which clients sometimes sniff. */
  issueToken(login: string, prefix: string, lifetimeSeconds: number | null): string {
    const token = `${prefix}${randomBytes(18).toString('hex')}`;
    this.tokens.set(token, { login, expiresAt: lifetimeSeconds === null ? null : Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** Revokes every token the OAuth app holds for the owner of `token` (GitHub's "revoke grant"); answers that owner's login, if known. */
  revokeGrantOf(token: string): string | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    // OAuth tokens (gho_, ghu_) go; the user's personal tokens (ghp_) are not the app's.
    for (const [other, grant] of this.tokens) if (grant.login === issued.login && /^gh[ou]_/.test(other)) this.tokens.delete(other);
    return issued.login;
  }

  /** The user a live token belongs to; undefined for an unknown, revoked or expired one. */
  userForToken(token: string): FakeGitHubUser | undefined {
    const issued = this.tokens.get(token);
    if (!issued || (issued.expiresAt !== null && issued.expiresAt <= Date.now())) return undefined;
    return this.users.get(issued.login);
  }

  addRepo(owner: string, name: string, options: { private?: boolean; default_branch?: string; collaborators?: Record<string, RepoPermission> } = {}): FakeRepo {
    const key = repoKey(owner, name);
    if (this.repos.has(key)) throw new Error(`fake GitHub: repository ${owner}/${name} already exists`);
    const defaultBranch = options.default_branch ?? 'main';
    const repo: FakeRepo = {
      id: this.nextId(),
      owner,
      name,
      private: options.private ?? false,
      default_branch: defaultBranch,
      collaborators: { ...options.collaborators, [owner]: 'admin' },
      branches: new Map(),
      issues: [],
      milestones: [],
      pulls: [],
    };
    const root = this.recordCommit(repo, { sha: newSha(), message: 'Initial commit', parent: null });
    repo.branches.set(defaultBranch, root.sha);
    this.repos.set(key, repo);
    return repo;
  }

  /** Throws for an unknown repository: a test naming one means it expects it to exist. */
  repo(owner: string, name: string): FakeRepo {
    const repo = this.findRepo(owner, name);
    if (!repo) throw new Error(`fake GitHub: no repository ${owner}/${name}`);
    return repo;
  }

  /** Case-insensitive, as GitHub resolves owner and repository names. */
  findRepo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** The caller's access: collaborators get theirs, anyone (even anonymous) reads a public repo. */
  permissionOf(repo: FakeRepo, login: string | undefined): RepoPermission | undefined {
    if (login !== undefined) {
      if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
      const granted = Object.entries(repo.collaborators).find(([collaborator]) => collaborator.toLowerCase() === login.toLowerCase());
      if (granted) return granted[1];
    }
    return repo.private ? undefined : 'read';
  }

  addIssue(repo: FakeRepo, fields: Partial<FakeIssue> & { title: string }): FakeIssue {
    const now = new Date().toISOString();
    const issue: FakeIssue = {
      number: this.nextNumber(repo),
      body: null,
      state: 'open',
      labels: [],
      milestone: null,
      assignees: [],
      created_at: now,
      updated_at: now,
      closed_at: null,
      ...fields,
    };
    if (issue.state === 'closed' && issue.closed_at === null) issue.closed_at = issue.updated_at;
    repo.issues.push(issue);
    return issue;
  }

  addMilestone(repo: FakeRepo, fields: Partial<FakeMilestone> & { title: string }): FakeMilestone {
    const number = Math.max(0, ...repo.milestones.map((milestone) => milestone.number)) + 1;
    const milestone: FakeMilestone = { number, description: null, state: 'open', due_on: null, ...fields };
    repo.milestones.push(milestone);
    return milestone;
  }

  /** Also adds the pull request's issue entry, as GitHub lists pull requests among issues. */
  addPull(repo: FakeRepo, fields: Partial<FakePull> & { title: string; head: string }): FakePull {
    const now = new Date().toISOString();
    const pull: FakePull = {
      number: this.nextNumber(repo),
      body: null,
      state: 'open',
      merged: false,
      base: repo.default_branch,
      head_sha: repo.branches.get(fields.head) ?? newSha(),
      created_at: now,
      updated_at: now,
      ...fields,
    };
    repo.pulls.push(pull);
    this.addIssue(repo, {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      is_pull_request: true,
    });
    return pull;
  }

  /**
   * Stacks `commits` (oldest first) on the branch's tip — creating the branch from the
   * default branch if it is new — and moves the branch to the last one, so compare
   * reports them as ahead of any branch that lacks them.
   */
  setBranchCommits(repo: FakeRepo, branch: string, commits: { sha: string; message: string }[]): void {
    let tip = repo.branches.get(branch) ?? this.tipOf(repo, repo.default_branch);
    for (const { sha, message } of commits) {
      if (this.commitsOf(repo).has(sha)) throw new Error(`fake GitHub: commit ${sha} already exists in ${repo.owner}/${repo.name}`);
      tip = this.recordCommit(repo, { sha, message, parent: tip }).sha;
    }
    repo.branches.set(branch, tip);
  }

  commit(repo: FakeRepo, sha: string): FakeCommit | undefined {
    return this.commitsOf(repo).get(sha);
  }

  /** The commit and its ancestors, oldest first. */
  history(repo: FakeRepo, sha: string): FakeCommit[] {
    const known = this.commitsOf(repo);
    const commits: FakeCommit[] = [];
    let current = known.get(sha);
    while (current) {
      commits.unshift(current);
      current = current.parent === null ? undefined : known.get(current.parent);
    }
    return commits;
  }

  /** A branch's tip commit. A tip a test set by hand in `repo.branches` becomes a root commit here. */
  branchCommit(repo: FakeRepo, branch: string): FakeCommit | undefined {
    const sha = repo.branches.get(branch);
    if (sha === undefined) return undefined;
    return this.commit(repo, sha) ?? this.recordCommit(repo, { sha, message: `Commit ${sha.slice(0, 7)}`, parent: null });
  }

  private tipOf(repo: FakeRepo, branch: string): string {
    const commit = this.branchCommit(repo, branch);
    if (!commit) throw new Error(`fake GitHub: ${repo.owner}/${repo.name} has no branch ${branch}`);
    return commit.sha;
  }

  private recordCommit(repo: FakeRepo, fields: Omit<FakeCommit, 'date'>): FakeCommit {
    const commit: FakeCommit = { ...fields, date: new Date().toISOString() };
    this.commitsOf(repo).set(commit.sha, commit);
    return commit;
  }

  private commitsOf(repo: FakeRepo): Map<string, FakeCommit> {
    let commits = this.commits.get(repo);
    if (!commits) {
      commits = new Map();
      this.commits.set(repo, commits);
    }
    return commits;
  }

  /** Issues and pull requests share one sequence per repository, as on GitHub. */
  private nextNumber(repo: FakeRepo): number {
    return Math.max(0, ...repo.issues.map((issue) => issue.number), ...repo.pulls.map((pull) => pull.number)) + 1;
  }
}

function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

/**
 * Who is connected to a project right now, one entry per joined connection. A user
 * with two tabs open is one user online; `userJoined`/`userLeft` go out only for a
 * user's first and last connection. The in-memory store serves one instance; the
 * Redis store (backplane.ts) is shared by all of them.
 */
export interface PresenceEntry {
  connectionId: string;
  userId: string;
  email: string;
}

export interface PresenceStore {
  /** Records the entry; true when it is the user's first connection in the project. */
  join(projectId: string, entry: PresenceEntry): Promise<boolean>;
  /** Removes the entry; true when the user has no connection left in the project. */
  leave(projectId: string, entry: PresenceEntry): Promise<boolean>;
  list(projectId: string): Promise<PresenceEntry[]>;
}

interface ProjectPresence {
  entries: Map<string, PresenceEntry>;
  /** Connections per user, so a join or leave is decided without a scan. */
  perUser: Map<string, number>;
}

export class MemoryPresence implements PresenceStore {
  private readonly projects = new Map<string, ProjectPresence>();

  async join(projectId: string, entry: PresenceEntry): Promise<boolean> {
    let project = this.projects.get(projectId);
    if (!project) this.projects.set(projectId, (project = { entries: new Map(), perUser: new Map() }));
    if (project.entries.has(entry.connectionId)) return false;
    project.entries.set(entry.connectionId, entry);
    const count = (project.perUser.get(entry.userId) ?? 0) + 1;
    project.perUser.set(entry.userId, count);
    return count === 1;
  }

  async leave(projectId: string, entry: PresenceEntry): Promise<boolean> {
    const project = this.projects.get(projectId);
    const joined = project?.entries.get(entry.connectionId);
    if (!project || !joined) return false;
    project.entries.delete(entry.connectionId);
    if (project.entries.size === 0) this.projects.delete(projectId);
    const count = (project.perUser.get(joined.userId) ?? 1) - 1;
    if (count > 0) project.perUser.set(joined.userId, count);
    else project.perUser.delete(joined.userId);
    return count === 0;
  }

  async list(projectId: string): Promise<PresenceEntry[]> {
    return [...(this.projects.get(projectId)?.entries.values() ?? [])];
  }
}

/** One line per user, in the order they arrived. */
export function onlineUsers(entries: readonly PresenceEntry[]): { id: string; email: string }[] {
  const users = new Map<string, { id: string; email: string }>();
  for (const entry of entries) if (!users.has(entry.userId)) users.set(entry.userId, { id: entry.userId, email: entry.email });
  return [...users.values()];
}

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

export class MemoryPresence implements PresenceStore {
  private readonly projects = new Map<string, Map<string, PresenceEntry>>();

  async join(projectId: string, entry: PresenceEntry): Promise<boolean> {
    let entries = this.projects.get(projectId);
    if (!entries) this.projects.set(projectId, (entries = new Map()));
    const first = ![...entries.values()].some((other) => other.userId === entry.userId);
    entries.set(entry.connectionId, entry);
    return first;
  }

  async leave(projectId: string, entry: PresenceEntry): Promise<boolean> {
    const entries = this.projects.get(projectId);
    if (!entries?.delete(entry.connectionId)) return false;
    if (entries.size === 0) this.projects.delete(projectId);
    return ![...(entries.values() ?? [])].some((other) => other.userId === entry.userId);
  }

  async list(projectId: string): Promise<PresenceEntry[]> {
    return [...(this.projects.get(projectId)?.values() ?? [])];
  }
}

/** One line per user, in the order they arrived. */
export function onlineUsers(entries: readonly PresenceEntry[]): { id: string; email: string }[] {
  const users = new Map<string, { id: string; email: string }>();
  for (const entry of entries) if (!users.has(entry.userId)) users.set(entry.userId, { id: entry.userId, email: entry.email });
  return [...users.values()];
}

/** Group names: one per project (joined explicitly), team and user (automatic), and the admins. */
export const groups = {
  project: (projectId: string) => `project:${projectId}`,
  team: (teamId: string) => `team:${teamId}`,
  user: (userId: string) => `user:${userId}`,
  admins: 'admins',
} as const;

const PROJECT_PREFIX = 'project:';

/** The project id of a project group's name, or undefined for any other group. */
export function projectOfGroup(group: string): string | undefined {
  return group.startsWith(PROJECT_PREFIX) ? group.slice(PROJECT_PREFIX.length) : undefined;
}

/** Groups a connection is in because of its user's team roles or admin role. */
export function isAccessGroup(group: string): boolean {
  return group.startsWith('team:') || group === groups.admins;
}

/** A message for every connection of a group, on this instance and (through the relay) the others. */
export interface GroupMessage {
  group: string;
  target: string;
  args: unknown[];
  /** A connection that should not get it (the sender of a userActivity). */
  exceptConnectionId?: string | undefined;
}

/** How group messages reach the other instances; absent on a single instance. */
export interface Relay {
  publishGroupMessage(message: GroupMessage): void;
}

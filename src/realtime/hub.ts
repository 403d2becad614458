import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { readableTeamIds } from '../domain/access.js';
import type { Actor, ServiceContext } from '../domain/context.js';
import type { AppServices } from '../services.js';
import type { Metrics } from '../infra/metrics.js';
import {
  type ConnectionEvents,
  type ConnectionMeter,
  DEFAULT_REALTIME_OPTIONS,
  HubConnection,
  HubError,
  type RealtimeOptions,
} from './connection.js';
import { hubMethods } from './methods.js';
import { Outbox } from './outbox.js';
import type { PresenceEntry, PresenceStore } from './presence.js';
import { encodeInvocationBytes } from './protocol.js';

/** Group names: one per project (joined explicitly), team and user (automatic), and the admins. */
export const groups = {
  project: (projectId: string) => `project:${projectId}`,
  team: (teamId: string) => `team:${teamId}`,
  user: (userId: string) => `user:${userId}`,
  admins: 'admins',
} as const;

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

export interface HubDeps {
  services: AppServices;
  log: FastifyBaseLogger;
  presence: PresenceStore;
}

/**
 * The hub of one app instance: its connections, their groups, presence and the
 * keep-alive timer. Groups only ever contain connections whose user passed the
 * access check for that group (project read access, team membership, own user id).
 */
export class Hub {
  options: RealtimeOptions = { ...DEFAULT_REALTIME_OPTIONS };
  relay: Relay | undefined;
  private readonly connections = new Map<string, HubConnection>();
  private readonly members = new Map<string, Set<HubConnection>>();
  /** The team of each project some connection has joined, for membership re-checks. */
  private readonly projectTeams = new Map<string, string>();
  private readonly methods = hubMethods(this);
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly cleanups = new Set<Promise<void>>();
  private readonly metrics: Metrics;
  private readonly meter: ConnectionMeter;
  private readonly outbox: Outbox;

  constructor(readonly deps: HubDeps) {
    this.metrics = deps.services.metrics;
    this.meter = connectionMeter(this.metrics);
    this.outbox = new Outbox(
      () => this.options.fanOutSliceSize,
      {
        delivered: (seconds, sent, timed) => {
          this.metrics.signalrMessagesSent.inc({ type: 'invocation' }, sent);
          if (timed) this.metrics.signalrFanOutDuration.observe(seconds);
        },
      },
    );
    this.startTimer();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Changes timings or limits (tests use short intervals); applies to open connections too. */
  configure(changes: Partial<RealtimeOptions>): void {
    this.options = { ...this.options, ...changes };
    this.startTimer();
  }

  /** The context hub methods run domain services with: the connection's own user. */
  contextOf(actor: Actor): ServiceContext {
    return this.deps.services.contextFor(actor);
  }

  /** Takes over an upgraded socket of an authenticated user. */
  accept(socket: WebSocket, actor: Actor, teamIds: string[] | 'all'): void {
    if (this.closing) {
      socket.close(1001);
      return;
    }
    const events: ConnectionEvents = {
      handshaken: (connection) => {
        this.unregistered.delete(connection);
        this.connections.set(connection.id, connection);
        this.join(connection, groups.user(actor.id));
        if (teamIds === 'all') this.join(connection, groups.admins);
        else for (const teamId of teamIds) this.join(connection, groups.team(teamId));
        this.metrics.signalrConnections.set(this.connections.size);
      },
      invoke: (connection, message) => {
        const method = this.methods.get(message.target.toLowerCase());
        if (!method) throw new HubError(`Failed to invoke '${message.target}': the method does not exist.`);
        const [min, max] = method.arity;
        if (message.arguments.length < min || message.arguments.length > max) {
          const expected = min === max ? `${min}` : `${min} to ${max}`;
          throw new HubError(
            `Failed to invoke '${message.target}': invocation provides ${message.arguments.length} argument(s) but the method expects ${expected}.`,
          );
        }
        return method.run(connection, message.arguments);
      },
      closed: (connection) => {
        this.unregistered.delete(connection);
        const cleanup = this.forget(connection).finally(() => this.cleanups.delete(cleanup));
        this.cleanups.add(cleanup);
      },
      error: (connection, error, context) => this.deps.log.warn({ err: error, connectionId: connection.id }, `realtime: ${context}`),
      meter: this.meter,
    };
    this.unregistered.add(new HubConnection(socket, actor, () => this.options, events));
  }

  isInGroup(connection: HubConnection, group: string): boolean {
    return connection.groups.has(group);
  }

  join(connection: HubConnection, group: string): void {
    let set = this.members.get(group);
    if (!set) this.members.set(group, (set = new Set()));
    set.add(connection);
    connection.groups.add(group);
  }

  leave(connection: HubConnection, group: string): void {
    connection.groups.delete(group);
    const set = this.members.get(group);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.members.delete(group);
  }

  connectionsIn(group: string): HubConnection[] {
    return [...(this.members.get(group) ?? [])];
  }

  /** Connections of one user on this instance. */
  connectionsOf(userId: string): HubConnection[] {
    return this.connectionsIn(groups.user(userId));
  }

  /** Sends to a group here and on every other instance. */
  broadcast(message: GroupMessage): void {
    this.deliver(message);
    this.relay?.publishGroupMessage(message);
  }

  /**
   * Sends to the members of a group on this instance only (the relay calls this): the
   * members as they are now, the record encoded once, the writes after this turn.
   */
  deliver(message: GroupMessage): void {
    const set = this.members.get(message.group);
    if (!set || set.size === 0) return;
    const recipients = message.exceptConnectionId ? [...set].filter((connection) => connection.id !== message.exceptConnectionId) : [...set];
    this.deliverTo(recipients, message.target, message.args);
  }

  /** One invocation for several connections (each listed once), queued behind what is already going out. */
  deliverTo(recipients: readonly HubConnection[], target: string, args: unknown[]): void {
    if (recipients.length === 0) return;
    this.outbox.enqueue(encodeInvocationBytes(target, args), recipients, true);
  }

  /** One invocation for one connection; never overtakes group messages still queued for it. */
  sendTo(connection: HubConnection, target: string, args: unknown[]): void {
    const record = encodeInvocationBytes(target, args);
    if (!this.outbox.idle) return this.outbox.enqueue(record, [connection], false);
    if (connection.sendEncoded(record)) this.metrics.signalrMessagesSent.inc({ type: 'invocation' });
  }

  rememberProjectTeam(projectId: string, teamId: string): void {
    this.projectTeams.set(projectId, teamId);
  }

  teamOfProject(projectId: string): string | undefined {
    return this.projectTeams.get(projectId);
  }

  projectsOfTeam(teamId: string): string[] {
    return [...this.projectTeams].filter(([, team]) => team === teamId).map(([projectId]) => projectId);
  }

  /** Joins a project group with presence: `userJoined` to the others for the user's first connection. */
  async enterProject(connection: HubConnection, projectId: string): Promise<void> {
    const group = groups.project(projectId);
    // The client may have gone while its access was being checked: nothing must outlive it.
    if (!connection.isOpen || connection.groups.has(group)) return;
    this.join(connection, group);
    const first = await this.deps.presence.join(projectId, presenceEntry(connection));
    if (first) {
      this.broadcast({ group, target: 'userJoined', args: [{ userId: connection.actor.id, projectId }], exceptConnectionId: connection.id });
    }
  }

  /** Leaves a project group with presence: `userLeft` when the user's last connection goes. */
  async exitProject(connection: HubConnection, projectId: string): Promise<boolean> {
    const group = groups.project(projectId);
    if (!connection.groups.has(group)) return false;
    this.leave(connection, group);
    if (!this.members.has(group)) this.projectTeams.delete(projectId);
    const last = await this.deps.presence.leave(projectId, presenceEntry(connection));
    if (last) this.broadcast({ group, target: 'userLeft', args: [{ userId: connection.actor.id, projectId }] });
    return true;
  }

  /** Re-reads which teams a user may read and moves their connections' groups to match. */
  async refreshUserTeams(userId: string): Promise<void> {
    const connections = this.connectionsOf(userId);
    const first = connections[0];
    if (!first) return;
    const teamIds = await readableTeamIds(this.contextOf(first.actor));
    for (const connection of connections) {
      const wanted = new Set(teamIds === 'all' ? [groups.admins] : teamIds.map(groups.team));
      for (const group of [...connection.groups]) {
        if ((group.startsWith('team:') || group === groups.admins) && !wanted.has(group)) this.leave(connection, group);
      }
      for (const group of wanted) this.join(connection, group);
    }
  }

  /** Removes a connection from a project it may no longer read, telling it so. */
  async evict(connection: HubConnection, projectId: string): Promise<void> {
    if (await this.exitProject(connection, projectId)) this.sendTo(connection, 'leftProject', [{ projectId, reason: 'access_revoked' }]);
  }

  async onlineIn(projectId: string): Promise<PresenceEntry[]> {
    return this.deps.presence.list(projectId);
  }

  /** Graceful shutdown: every client is told to reconnect (to another instance) and let go. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    const open = [...this.connections.values()];
    const gone = Promise.all(open.map((connection) => new Promise<void>((resolve) => connection.onFinished(resolve))));
    for (const connection of open) connection.close(undefined, true);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timeout);
    for (const connection of [...open, ...this.unregistered]) connection.terminate();
    await this.outbox.drained();
    // Presence of the closed connections is withdrawn before Redis goes away.
    await Promise.all([...this.cleanups]);
  }

  private async forget(connection: HubConnection): Promise<void> {
    if (!this.connections.delete(connection.id)) return;
    this.metrics.signalrConnections.set(this.connections.size);
    const projects = [...connection.groups].filter((group) => group.startsWith('project:')).map((group) => group.slice('project:'.length));
    for (const group of [...connection.groups]) if (!group.startsWith('project:')) this.leave(connection, group);
    await Promise.all(projects.map((projectId) => this.exitProject(connection, projectId))).catch((error: unknown) =>
      this.deps.log.warn({ err: error }, 'realtime: presence cleanup failed'),
    );
  }

  private startTimer(): void {
    clearInterval(this.timer);
    if (this.closing) return;
    const every = Math.max(10, Math.min(this.options.pingIntervalMs, this.options.clientTimeoutMs, this.options.handshakeTimeoutMs) / 4);
    let lastTickAt = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      // A late tick means this process was blocked, not that clients went quiet: their
      // messages are still waiting to be read, so nobody is timed out on this round.
      const stalled = now - lastTickAt > every * 2 + 100;
      lastTickAt = now;
      for (const connection of this.connections.values()) connection.tick(now, stalled);
      for (const connection of this.unregistered) connection.tick(now, stalled);
    }, every);
    this.timer.unref();
  }

  /** Connections still in their handshake; the timer drops those that never finish it. */
  private readonly unregistered = new Set<HubConnection>();
}

function connectionMeter(metrics: Metrics): ConnectionMeter {
  return {
    received: (type) => metrics.signalrMessagesReceived.inc({ type }),
    sent: (type) => metrics.signalrMessagesSent.inc({ type }),
    droppedSlow: () => metrics.signalrBackpressureDrops.inc(),
  };
}

function presenceEntry(connection: HubConnection): PresenceEntry {
  return { connectionId: connection.id, userId: connection.actor.id, email: connection.actor.email };
}

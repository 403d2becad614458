import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { readableTeamIds, requireProjectAccess } from '../domain/access.js';
import { INACTIVE_USER } from '../domain/auth/service.js';
import type { Actor, ServiceContext } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
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
import { type GroupMessage, type Relay, groups, isAccessGroup, projectOfGroup } from './groups.js';
import { type HubMethodHost, hubMethods } from './methods.js';
import { Outbox } from './outbox.js';
import type { PresenceEntry, PresenceStore } from './presence.js';
import { encodeInvocationBytes } from './protocol.js';

export interface HubDeps {
  services: AppServices;
  log: FastifyBaseLogger;
  presence: PresenceStore;
}

/**
 * The hub of one app instance: its connections, their groups, presence and the
 * keep-alive timer. Groups only ever contain connections whose user passed the
 * access check for that group (project read access, team membership, own user id),
 * and pass it still: every hub method reads the caller as they are now, and the
 * events that change access (fanout.ts) re-check the affected connections.
 */
export class Hub implements HubMethodHost {
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

  /** The context hub methods run domain services with: the caller as they are now. */
  contextOf(actor: Actor): ServiceContext {
    return this.deps.services.contextFor(actor);
  }

  /** The user as they are now (the memo, kept true by the events), or undefined once deactivated or deleted. */
  actorNow(userId: string): Promise<Actor | undefined> {
    return this.deps.services.auth.actorNow(this.deps.services.database.db, userId);
  }

  /**
   * Takes over an upgraded socket of an authenticated user. `teamIds` is what they
   * could read at the upgrade; the connection ends when its token does.
   */
  accept(socket: WebSocket, actor: Actor, teamIds: string[] | 'all', accessExpiresAt: Date): void {
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
        // An access change between the upgrade and the handshake found no connection to re-check.
        this.recheck([connection], actor.id).catch((error: unknown) =>
          this.deps.log.warn({ err: error, connectionId: connection.id }, 'realtime: access re-check failed'),
        );
      },
      invoke: async (connection, message) => {
        const method = this.methods.get(message.target.toLowerCase());
        if (!method) throw new HubError(`Failed to invoke '${message.target}': the method does not exist.`);
        const [min, max] = method.arity;
        if (message.arguments.length < min || message.arguments.length > max) {
          const expected = min === max ? `${min}` : `${min} to ${max}`;
          throw new HubError(
            `Failed to invoke '${message.target}': invocation provides ${message.arguments.length} argument(s) but the method expects ${expected}.`,
          );
        }
        const caller = await this.actorNow(connection.user.id);
        if (!caller) {
          this.revoke(this.connectionsOf(connection.user.id));
          throw new HubError(INACTIVE_USER);
        }
        return method.run(connection, caller, message.arguments);
      },
      closed: (connection) => {
        this.unregistered.delete(connection);
        const cleanup = this.forget(connection).finally(() => this.cleanups.delete(cleanup));
        this.cleanups.add(cleanup);
      },
      error: (connection, error, context) => this.deps.log.warn({ err: error, connectionId: connection.id }, `realtime: ${context}`),
      meter: this.meter,
    };
    const user = { id: actor.id, email: actor.email };
    this.unregistered.add(new HubConnection(socket, user, accessExpiresAt.getTime(), () => this.options, events));
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
      this.broadcast({ group, target: 'userJoined', args: [{ userId: connection.user.id, projectId }], exceptConnectionId: connection.id });
    }
  }

  /** Leaves a project group with presence: `userLeft` when the user's last connection goes. */
  async exitProject(connection: HubConnection, projectId: string): Promise<boolean> {
    const group = groups.project(projectId);
    if (!connection.groups.has(group)) return false;
    this.leave(connection, group);
    if (!this.members.has(group)) this.projectTeams.delete(projectId);
    const last = await this.deps.presence.leave(projectId, presenceEntry(connection));
    if (last) this.broadcast({ group, target: 'userLeft', args: [{ userId: connection.user.id, projectId }] });
    return true;
  }

  /** Re-checks every connection of a user on this instance (their role, activity or memberships changed). */
  recheckUser(userId: string): Promise<void> {
    return this.recheck(this.connectionsOf(userId), userId);
  }

  /**
   * Moves connections of one user to the groups the user may be in now, through
   * domain/access.ts: team groups (or the admins') as their memberships and role say,
   * out of every project they may no longer read (`leftProject`, reason
   * `access_revoked`). A deactivated or deleted user's connections are closed with
   * `allowReconnect: false`: reconnecting could only fail.
   */
  async recheck(connections: readonly HubConnection[], userId: string): Promise<void> {
    const open = connections.filter((connection) => connection.isOpen);
    if (open.length === 0) return;
    for (const connection of open) connection.accessEpoch += 1;
    const actor = await this.actorNow(userId);
    if (!actor) return this.revoke(open);
    const ctx = this.contextOf(actor);
    const teamIds = await readableTeamIds(ctx);
    const wanted = new Set(teamIds === 'all' ? [groups.admins] : teamIds.map(groups.team));
    const projectIds = new Set<string>();
    for (const connection of open) {
      // Closed while access was read: its groups are already gone and must stay so.
      if (!connection.isOpen) continue;
      connection.user.email = actor.email;
      for (const group of [...connection.groups]) {
        if (isAccessGroup(group) && !wanted.has(group)) this.leave(connection, group);
        const projectId = projectOfGroup(group);
        if (projectId) projectIds.add(projectId);
      }
      for (const group of wanted) this.join(connection, group);
    }
    for (const projectId of projectIds) {
      if (await this.mayRead(ctx, projectId)) continue;
      for (const connection of open) await this.evict(connection, projectId);
    }
  }

  /** A project's group after it moved to another team: everyone in it must still be allowed to read it. */
  async recheckProject(projectId: string): Promise<void> {
    const byUser = new Map<string, HubConnection[]>();
    for (const connection of this.connectionsIn(groups.project(projectId))) {
      byUser.set(connection.user.id, [...(byUser.get(connection.user.id) ?? []), connection]);
    }
    for (const [userId, connections] of byUser) {
      const actor = await this.actorNow(userId);
      if (!actor) {
        this.revoke(connections);
        continue;
      }
      if (await this.mayRead(this.contextOf(actor), projectId)) continue;
      for (const connection of connections) await this.evict(connection, projectId);
    }
  }

  /** Ends connections whose user is gone (deactivated or deleted): no reconnect, it would only be refused. */
  private revoke(connections: readonly HubConnection[]): void {
    for (const connection of connections) connection.close(INACTIVE_USER, false);
  }

  /** Read access to the project for `ctx`'s actor; remembers the project's team for later re-checks. */
  private async mayRead(ctx: ServiceContext, projectId: string): Promise<boolean> {
    try {
      this.rememberProjectTeam(projectId, (await requireProjectAccess(ctx, projectId, 'read')).teamId);
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
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
    const projects = [...connection.groups].flatMap((group) => projectOfGroup(group) ?? []);
    for (const group of [...connection.groups]) if (!projectOfGroup(group)) this.leave(connection, group);
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
  return { connectionId: connection.id, userId: connection.user.id, email: connection.user.email };
}

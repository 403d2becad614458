import type { DomainEvent } from './types.js';

export type EventListener = (event: DomainEvent) => void | Promise<void>;

export interface EventBusLogger {
  error(payload: object, message: string): void;
}

export interface SubscribeOptions {
  /**
   * Also hear the events other instances committed (delivered by the relay,
   * events/relay.ts, when Redis is configured). Caches of this process need them;
   * whatever forwards events to the other instances must not take them.
   */
  includeRemote?: boolean;
}

/**
 * The in-process domain event bus, one per app. Mutations publish after commit;
 * realtime, cache invalidation and webhooks subscribe. A failing listener is logged
 * and never affects the publisher or the other listeners.
 */
export class EventBus {
  private readonly listeners = new Map<EventListener, SubscribeOptions>();

  constructor(private readonly log: EventBusLogger) {}

  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    this.listeners.set(listener, options);
    return () => this.listeners.delete(listener);
  }

  /** Events this instance committed. */
  publish(events: readonly DomainEvent[]): void {
    this.deliver(events, false);
  }

  /** Events another instance committed, as the relay hands them over. */
  publishRemote(events: readonly DomainEvent[]): void {
    this.deliver(events, true);
  }

  private deliver(events: readonly DomainEvent[], remote: boolean): void {
    for (const event of events) {
      for (const [listener, options] of this.listeners) {
        if (remote && !options.includeRemote) continue;
        try {
          const result = listener(event);
          if (result instanceof Promise) result.catch((error: unknown) => this.report(error, event));
        } catch (error) {
          this.report(error, event);
        }
      }
    }
  }

  private report(error: unknown, event: DomainEvent): void {
    this.log.error({ err: error, event: event.name, projectId: event.projectId }, 'domain event listener failed');
  }
}

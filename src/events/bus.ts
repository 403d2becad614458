import type { DomainEvent } from './types.js';

export type EventListener = (event: DomainEvent) => void | Promise<void>;

export interface EventBusLogger {
  error(payload: object, message: string): void;
}

/**
 * The in-process domain event bus, one per app. Mutations publish after commit;
 * realtime, cache invalidation and webhooks subscribe. A failing listener is logged
 * and never affects the publisher or the other listeners.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly log: EventBusLogger) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly DomainEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
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

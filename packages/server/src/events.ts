import { EventEmitter } from "node:events";
import type { Notifications } from "@tollgate/store";

const channel = "tollgate_call_events";

/**
 * In-process notifications: a tool call reached a state an agent may be waiting for. Long-polls
 * wait on these rather than polling the store.
 */
export class CallEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  private publish: ((callId: string) => void) | undefined;

  /**
   * Shares notifications with the other Tollgate processes on the same database (PostgreSQL
   * NOTIFY/LISTEN), so an agent waiting on one replica wakes when an approver decides on another.
   */
  async connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    const stop = await notifications.subscribe(channel, (callId) => this.emitter.emit(callId));
    this.publish = (callId) => {
      notifications.publish(channel, callId).catch(onError);
    };
    return stop;
  }

  notify(callId: string): void {
    this.emitter.emit(callId);
    this.publish?.(callId);
  }

  /** Resolves true when notified, false after the timeout. */
  wait(callId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.emitter.off(callId, onEvent);
        signal?.removeEventListener("abort", onAbort);
        resolve(v);
      };
      const onEvent = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.emitter.on(callId, onEvent);
      signal?.addEventListener("abort", onAbort);
    });
  }
}

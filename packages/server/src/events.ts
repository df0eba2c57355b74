import { EventEmitter } from "node:events";

/**
 * In-process notifications: a tool call reached a state an agent may be waiting for. Long-polls
 * wait on these rather than polling the store.
 */
export class CallEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(callId: string): void {
    this.emitter.emit(callId);
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

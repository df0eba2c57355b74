/** Time comes from here so tests (expiry, retention) can move it without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const iso = (clock: Clock, offsetMs = 0): string => new Date(clock.now().getTime() + offsetMs).toISOString();

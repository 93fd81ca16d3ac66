/**
 * Makes the global `Date` read `now()` while installed, so oidc-provider (which reads `Date.now()`
 * for `iat`, `exp`, interaction and grant expiry) runs on the same manual clock as the token client.
 * HTTP stays real; only the reading of time is replaced. Returns the function that restores `Date`.
 */
export function installClockedDate(now: () => number): () => void {
  const RealDate = globalThis.Date;
  class ClockedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return now();
    }
  }
  globalThis.Date = ClockedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}

import { afterEach, describe, expect, it } from 'vitest';
import { installBrowserGlobals } from './browserGlobals';
import { pageScope } from './pageScope';
import { TimeControl } from './timeControl';

let control: TimeControl | undefined;
afterEach(() => control?.uninstall());

function virtualTime(): TimeControl {
  control = new TimeControl({ inFlight: () => 0 });
  control.install();
  control.enterVirtual();
  return control;
}

describe('pageScope', () => {
  it('keeps timers taken at start-up on the clock of the moment, and stops them at close()', async () => {
    installBrowserGlobals();
    const time = virtualTime();
    const page = pageScope();
    const fired: string[] = [];
    // As clerk-js's poller does: bind the timer function once, at start-up, and re-arm it forever.
    const kept = await page.capture(async () => globalThis.setTimeout.bind(globalThis));
    const poll = () => {
      fired.push(`poll@${time.monotonicNow()}`);
      kept(poll, 1_500);
    };
    const start = time.monotonicNow();
    kept(poll, 1_500);
    await time.advance(3_000);
    expect(fired).toEqual([`poll@${start + 1_500}`, `poll@${start + 3_000}`]);
    page.close();
    await time.advance(10_000);
    expect(fired).toHaveLength(2);
    expect(time.pendingTimers).toBe(0);
    time.exitVirtual();
  });

  it('puts the globals back after start-up and undoes its channels and listeners at close()', async () => {
    installBrowserGlobals();
    const time = virtualTime();
    const before = { setTimeout: globalThis.setTimeout, channel: globalThis.BroadcastChannel, listen: globalThis.addEventListener };
    const page = pageScope();
    const heard: string[] = [];
    const channel = await page.capture(async () => {
      globalThis.addEventListener('online', () => heard.push('online'));
      setInterval(() => heard.push('tick'), 100);
      return new BroadcastChannel('page-scope-test');
    });
    expect({ setTimeout: globalThis.setTimeout, channel: globalThis.BroadcastChannel, listen: globalThis.addEventListener }).toEqual(before);
    page.close();
    globalThis.dispatchEvent(new Event('online'));
    await time.advance(1_000);
    expect(heard).toEqual([]);
    expect(() => channel.postMessage('after close')).toThrow();
    time.exitVirtual();
  });
});

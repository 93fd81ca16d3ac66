import { afterEach, describe, expect, it } from 'vitest';
import { TimeControl } from './timeControl';

let control: TimeControl | undefined;
afterEach(() => control?.uninstall());

function make(inFlight = () => 0): TimeControl {
  control = new TimeControl({ inFlight });
  control.install();
  return control;
}

describe('TimeControl', () => {
  it('client skew moves Date and Date.now but not the servers\' clock', () => {
    const time = make();
    time.clientSkew = 600_000;
    const server = time.trueNow();
    expect(Date.now() - server).toBeGreaterThanOrEqual(600_000);
    expect(Date.now() - server).toBeLessThan(600_000 + 1_000);
    expect(new Date().getTime() - server).toBeGreaterThanOrEqual(600_000);
    expect(new Date(0).getTime()).toBe(0);
  });

  it('virtual timers fire in due order, intervals repeat, and nothing runs before advance()', async () => {
    const time = make();
    time.enterVirtual();
    const start = Date.now();
    const fired: string[] = [];
    setTimeout(() => fired.push(`b@${Date.now() - start}`), 200);
    setTimeout(() => fired.push(`a@${Date.now() - start}`), 100);
    const every = setInterval(() => fired.push(`i@${Date.now() - start}`), 150);
    const cancelled = setTimeout(() => fired.push('never'), 50);
    clearTimeout(cancelled);
    expect(fired).toEqual([]);
    await time.advance(320);
    clearInterval(every);
    expect(fired).toEqual(['a@100', 'i@150', 'b@200', 'i@300']);
    expect(Date.now() - start).toBe(320);
    time.exitVirtual();
  });

  it('does not move virtual time while a request is in flight', async () => {
    let inFlight = 1;
    const time = make(() => inFlight);
    time.enterVirtual();
    const start = time.monotonicNow();
    let fired = false;
    setTimeout(() => (fired = true), 10);
    const advancing = time.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toBe(false);
    inFlight = 0;
    await advancing;
    expect(fired).toBe(true);
    expect(time.monotonicNow() - start).toBe(10);
    time.exitVirtual();
  });

  it('exitVirtual keeps the clock continuous and gives the real timers back', async () => {
    const time = make();
    time.enterVirtual();
    const before = time.trueNow();
    await time.advance(3_600_000);
    time.exitVirtual();
    expect(time.trueNow() - before).toBeGreaterThanOrEqual(3_600_000);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  });

  it('nextTimerIn says how far off the earliest virtual timer is', async () => {
    const time = make();
    time.enterVirtual();
    expect(time.nextTimerIn).toBeUndefined();
    const late = setTimeout(() => undefined, 500);
    setTimeout(() => undefined, 40);
    expect(time.nextTimerIn).toBe(40);
    await time.advance(30);
    expect(time.nextTimerIn).toBe(10);
    await time.advance(10);
    expect(time.nextTimerIn).toBe(460);
    clearTimeout(late);
    expect(time.nextTimerIn).toBeUndefined();
  });
});

import { describeCall, type DemoApp } from '../demoApp';
import { errorName } from '../describeError';
import { clockTime } from '../format';
import { byId, setAttr, setText } from './dom';

const pressed = (id: string): boolean => byId(id).getAttribute('aria-pressed') === 'true';

/** Wires every control to its action. Each has a visible label or a `<label>`: no icon-only buttons. */
export function bindControls(app: DemoApp): void {
  const form = byId<HTMLFormElement>('sign-in-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void app.signIn(byId<HTMLInputElement>('user-id').value);
  });
  const click = (id: string, action: () => unknown): void => {
    byId(id).addEventListener('click', () => void action());
  };
  click('call-get-token', () => app.callGetToken());
  click('sign-out', () => app.signOut());
  click('revoke', () => app.revoke());
  click('open-tab', () => app.openAnotherTab());
  click('toggle-offline', () => app.setBrowserOffline(!pressed('toggle-offline')));
  click('toggle-unreachable', () => app.setServerUnreachable(!pressed('toggle-unreachable')));
  click('toggle-5xx', () => app.setServerErrors(!pressed('toggle-5xx')));
  click('toggle-429', () => app.setRateLimited(!pressed('toggle-429')));
  click('reset-faults', () => app.resetFaults());
  byId<HTMLSelectElement>('latency').addEventListener('change', (event) => {
    void app.setLatency(Number((event.target as HTMLSelectElement).value));
  });
  byId<HTMLSelectElement>('clock-offset').addEventListener('change', (event) => {
    void app.setClockOffset(Number((event.target as HTMLSelectElement).value));
  });
}

/** Reflects the state the controls stand for (the devserver's faults are polled, so they stay true). */
export function renderControls(app: DemoApp): void {
  const signedIn = app.session !== null;
  // Signed out, the client only answers null: nothing to show that the signed-out panel does not.
  byId<HTMLButtonElement>('call-get-token').disabled = !signedIn;
  byId<HTMLButtonElement>('sign-out').disabled = !signedIn;
  byId<HTMLButtonElement>('revoke').disabled = !signedIn;
  setAttr(byId('toggle-offline'), 'aria-pressed', String(app.network.simulatedOffline));

  const faults = app.faults;
  if (faults) {
    setAttr(byId('toggle-unreachable'), 'aria-pressed', String(faults.dropRate > 0));
    setAttr(byId('toggle-5xx'), 'aria-pressed', String(faults.errorRate > 0));
    setAttr(byId('toggle-429'), 'aria-pressed', String(faults.rateLimitRate > 0));
    syncSelect(byId<HTMLSelectElement>('latency'), faults.latencyMs);
    syncSelect(byId<HTMLSelectElement>('clock-offset'), faults.clockOffsetMs);
  }

  const output = byId('call-result');
  const call = app.lastCall;
  if (call) {
    const outcome = call.result.outcome === 'error' ? errorName(call.result.error) : call.result.outcome;
    setAttr(output, 'data-call', String(call.n));
    setAttr(output, 'data-outcome', outcome);
    setAttr(output, 'data-ms', call.result.ms.toFixed(3));
    setAttr(output, 'data-cache-hit', call.result.outcome === 'token' ? String(call.result.cacheHit) : undefined);
    setAttr(output, 'data-tone', call.result.outcome === 'token' ? 'ok' : call.result.outcome === 'signed-out' ? 'warn' : 'error');
    setText(output, `${clockTime(call.at, false)} → ${describeCall(call.result)}`);
  } else {
    for (const name of ['data-outcome', 'data-ms', 'data-cache-hit', 'data-tone']) setAttr(output, name, undefined);
    setText(output, signedIn ? 'No call yet' : 'Signed out: sign in to call getToken()');
  }
}

/** Shows the server's value; a value set elsewhere (another tab, curl) gets its own option. */
function syncSelect(select: HTMLSelectElement, value: number): void {
  if (document.activeElement === select) return;
  const wanted = String(value);
  if (![...select.options].some((option) => option.value === wanted)) {
    select.add(new Option(`${value} (set elsewhere)`, wanted));
  }
  if (select.value !== wanted) select.value = wanted;
}

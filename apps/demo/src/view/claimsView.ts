import { claimRows } from '../claimRows';
import type { DemoApp } from '../demoApp';
import { DEMO_KEYS, sameKey } from '../demoKeys';
import type { TokenClientSnapshot } from '../tokenwardenLib';
import { byId, h, setText } from './dom';

/** The selected key's decoded payload. Rebuilt only when the token (its `jti`/`iat`) changes. */
export class ClaimsView {
  #shown = '';

  render(app: DemoApp, snapshot: TokenClientSnapshot | undefined): void {
    const key = DEMO_KEYS.find((candidate) => candidate.id === app.selectedKey) ?? DEMO_KEYS[0];
    const claims = key ? snapshot?.entries.find((entry) => sameKey(entry.key, key.key))?.claims : undefined;
    const identity = `${key?.id}|${claims ? `${String(claims['jti'])}|${claims.iat}` : 'none'}`;
    setText(byId('claims-key'), key ? `· ${key.label}` : '');
    if (identity === this.#shown) return;
    this.#shown = identity;
    const body = byId('claims-table').querySelector('tbody') as HTMLTableSectionElement;
    if (!claims) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: '2', class: 'muted' }, 'No token for this key right now.')));
      return;
    }
    body.replaceChildren(
      ...claimRows(claims).map((row) =>
        h(
          'tr',
          { 'data-claim': row.name },
          h('th', { scope: 'row' }, row.name),
          h('td', {}, h('code', {}, row.value), ...(row.note ? [h('span', { class: 'claim-note' }, row.note)] : [])),
        ),
      ),
    );
  }
}

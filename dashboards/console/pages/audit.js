/* The audit log (#/audit): the hash chain's verdict and the events, filtered by actor, action, entity and
   day, sorted and paged by the API (widgets/table.js); each change shown as a diff of before and after. */
import { api } from '../core/api.js';
import { card, forbidden, h, pageHead } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';
import { listTable } from '../widgets/table.js';

const show = (v) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const cut = (text, n) => (text.length > n ? h('span', { title: text }, text.slice(0, n) + '…') : text);

// before -> after as the keys that changed: removed (before only), added (after only), changed (both);
// a value that is not an object is one line. Long values are cut on screen, whole in the tooltip.
export function changeDiff(before, after) {
  const isObj = (o) => o && typeof o === 'object' && !Array.isArray(o);
  if (!isObj(before) && !isObj(after)) {
    return h('div', { class: 'diff' }, before !== null && before !== undefined ? h('div', { class: 'diff-del' }, '− ', cut(show(before), 160)) : null,
      after !== null && after !== undefined ? h('div', { class: 'diff-add' }, '+ ', cut(show(after), 160)) : null);
  }
  const b = isObj(before) ? before : {};
  const a = isObj(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const lines = keys.map((k) => {
    const had = k in b, has = k in a;
    if (had && has && JSON.stringify(b[k]) === JSON.stringify(a[k])) return null;
    const kind = had && has ? 'chg' : has ? 'add' : 'del';
    return h('li', { class: 'diff-' + kind, 'data-key': k, 'data-kind': kind },
      h('code', { class: 'diff-key' }, k), ': ',
      had ? h('span', { class: 'diff-old' }, cut(show(b[k]), 80)) : null,
      had && has ? ' → ' : null,
      has ? h('span', { class: 'diff-new' }, cut(show(a[k]), 80)) : null);
  }).filter(Boolean);
  return h('ul', { class: 'diff', 'data-testid': 'audit-diff' }, lines.length ? lines : h('li', { class: 'muted' }, t('audit.nochange')));
}

export async function pageAudit(gen, params) {
  if (!may.audit()) { paint(gen, forbidden(t('forbidden.audit'))); return; }
  const [v, list] = await Promise.all([api('/audit/verify'), listTable({
    path: '/audit/events', params, testid: 'audit', caption: t('audit.title'), defaultSort: 'id', defaultOrder: 'desc',
    columns: [{ label: t('col.id'), sort: 'id', num: true }, { label: t('col.at'), sort: 'at' }, { label: t('col.actor'), sort: 'actor' },
      { label: t('col.action'), sort: 'action' }, { label: t('col.entity'), sort: 'entity' }, { label: t('col.change') }, { label: t('col.hash') }],
    filters: [{ name: 'actor', label: t('col.actor'), type: 'text', placeholder: 'province' },
      { name: 'action', label: t('col.action'), type: 'text', placeholder: 'plan.approved' },
      { name: 'entity_id', label: t('audit.entity_id'), type: 'text' },
      { name: 'since', label: t('audit.since'), type: 'date' }, { name: 'until', label: t('audit.until'), type: 'date' }],
    row: (e) => h('tr', { 'data-testid': 'audit-row', 'data-actor': e.actor, 'data-action': e.action },
      h('th', { scope: 'row', class: 'num' }, num(e.id)),
      h('td', { class: 'small nowrap' }, when(e.at)),
      h('td', {}, e.actor),
      h('td', {}, e.summary ? h('div', { class: 'small' }, e.summary) : null, h('code', {}, e.action)),
      h('td', { class: 'small' }, `${e.entity} ${e.entity_id}`),
      h('td', { class: 'small change' }, changeDiff(e.before, e.after)),
      h('td', { class: 'small mono', title: e.hash }, e.hash.slice(0, 12) + '…')),
  })]);
  const verdict = h('div', {
    class: 'alert ' + (v.intact ? 'alert-ok' : 'alert-error'), role: v.intact ? 'status' : 'alert',
    'data-testid': 'audit-verdict', 'data-intact': String(v.intact),
  }, h('strong', {}, v.intact ? '✓ ' + t('audit.intact', { n: num(v.events) }) : '✗ ' + t('audit.broken', { id: v.broken_at, reason: v.reason_text || v.reason })));
  paint(gen, pageHead(t('audit.title')), verdict, card(null, list));
}

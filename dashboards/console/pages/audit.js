/* The audit log (#/audit): the hash chain's verdict and the events, 50 a page. */
import { api } from '../core/api.js';
import { card, forbidden, h, pageHead, table } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';

export async function pageAudit(gen, params) {
  if (!may.audit()) { paint(gen, forbidden(t('forbidden.audit'))); return; }
  const size = 50;
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const action = params.get('action') || '';
  const q = `/audit/events?limit=${size}&offset=${offset}` + (action ? `&action=${encodeURIComponent(action)}` : '');
  const [v, page] = await Promise.all([api('/audit/verify'), api(q)]);
  const verdict = h('div', {
    class: 'alert ' + (v.intact ? 'alert-ok' : 'alert-error'), role: v.intact ? 'status' : 'alert',
    'data-testid': 'audit-verdict', 'data-intact': String(v.intact),
  }, h('strong', {}, v.intact ? '✓ ' + t('audit.intact', { n: num(v.events) }) : '✗ ' + t('audit.broken', { id: v.broken_at, reason: v.reason_text || v.reason })));
  const input = h('input', { id: 'audit-action', value: action, placeholder: 'plan.approved' });
  const form = h('form', { class: 'inline-form', role: 'search' },
    h('label', { for: 'audit-action' }, t('audit.filter')), input,
    h('button', { type: 'submit', class: 'btn' }, t('audit.apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/audit' + (input.value.trim() ? `?action=${encodeURIComponent(input.value.trim())}` : '');
  });
  // Long changes (an inventory sync lists ids) are cut on screen; the whole JSON is in the tooltip.
  const compact = (o) => {
    const full = o === null || o === undefined ? '' : JSON.stringify(o);
    return full.length > 160 ? h('span', { title: full }, full.slice(0, 160) + '…') : full;
  };
  const rows = page.items.map((e) => h('tr', { 'data-testid': 'audit-row' },
    h('th', { scope: 'row', class: 'num' }, num(e.id)),
    h('td', { class: 'small nowrap' }, when(e.at)),
    h('td', {}, e.actor),
    h('td', {}, e.summary ? h('div', { class: 'small' }, e.summary) : null, h('code', {}, e.action)),
    h('td', { class: 'small' }, `${e.entity} ${e.entity_id}`),
    h('td', { class: 'small change' }, e.before !== null ? h('div', { class: 'muted' }, compact(e.before)) : null, compact(e.after)),
    h('td', { class: 'small mono', title: e.hash }, e.hash.slice(0, 12) + '…')));
  const nav = (label, off, disabled) => h('a', {
    class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null,
    href: disabled ? null : `#/audit?offset=${off}` + (action ? `&action=${encodeURIComponent(action)}` : ''),
  }, label);
  paint(gen, pageHead(t('audit.title')), verdict, card(null, form,
    table(t('audit.title'), [t('col.id'), t('col.at'), t('col.actor'), t('col.action'), t('col.entity'), t('col.change'), t('col.hash')],
      rows, { class: 'data', 'data-testid': 'audit-table' }),
    h('div', { class: 'pager' },
      nav(t('audit.prev'), Math.max(0, offset - size), offset === 0),
      h('span', { class: 'muted small' }, t('audit.page', { from: num(page.total ? offset + 1 : 0), to: num(offset + page.items.length), total: num(page.total) })),
      nav(t('audit.next'), offset + size, offset + size >= page.total))));
}

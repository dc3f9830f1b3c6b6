/* The data catalog (#/catalog): search and filter the entries. */
import { api, qs } from '../core/api.js';
import { badge, card, h, pageHead, qfield, selectOf, table } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { dpLabel, t } from '../core/i18n.js';
import { isAuthority, isDeptAdmin } from '../core/roles.js';
import { paint } from '../core/router.js';
import { dpBadge } from '../widgets/badges.js';
import { deptLabel, deptName, DP, loadDepartments, PAGE_SIZE, pager, subnav } from '../widgets/data.js';

export async function pageCatalog(gen, params) {
  const f = Object.fromEntries(['q', 'department', 'category', 'share', 'open'].map((k) => [k, params.get(k) || '']));
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [list, depts] = await Promise.all([api('/catalog/entries' + qs({ ...f, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })), loadDepartments()]);
  const q = h('input', { id: 'cat-q', name: 'q', type: 'search', value: f.q, placeholder: t('dp.search.placeholder') });
  const dept = h('input', { id: 'cat-department', name: 'department', value: f.department, list: 'cat-departments', autocomplete: 'off', placeholder: 'gz-...' });
  const options = h('datalist', { id: 'cat-departments' }, depts.items.slice(0, 500).map((d) => h('option', { value: d.id }, deptLabel(d))));
  const any = (kind) => (v) => (v === '' ? t('dp.any') : dpLabel(kind, v));
  const cat = selectOf('cat-category', 'category', ['', ...DP.category], any('category'), f.category);
  const share = selectOf('cat-share', 'share', ['', ...DP.share], any('share'), f.share);
  const open = selectOf('cat-open', 'open', ['', ...DP.open], any('open'), f.open);
  const form = h('form', { class: 'filter-form', role: 'search', 'data-testid': 'catalog-filter' },
    qfield('cat-q', t('dp.search'), q), qfield('cat-department', t('dp.owner'), dept), options,
    qfield('cat-category', t('dp.category'), cat), qfield('cat-share', t('dp.share'), share), qfield('cat-open', t('dp.open'), open),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'search' }, t('dp.search.submit')),
      h('a', { class: 'btn', href: '#/catalog' }, t('dp.search.clear'))));
  const filters = () => ({ q: q.value.trim(), department: dept.value.trim(), category: cat.value, share: share.value, open: open.value });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/catalog' + qs(filters()); });
  const rows = list.items.map((e) => h('tr', { 'data-testid': 'entry-row', 'data-id': e.id, 'data-code': e.code },
    h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/catalog/${e.id}` }, e.code)),
    h('td', {}, h('a', { href: `#/catalog/${e.id}` }, e.name), e.description ? h('div', { class: 'muted small clamp' }, e.description) : null),
    h('td', { class: 'small' }, deptName(e.owner_department, e.owner_department_name)),
    h('td', { class: 'small' }, dpLabel('category', e.category)),
    h('td', {}, dpBadge('grade', e.grade)),
    h('td', {}, dpBadge('share', e.share_attribute)),
    h('td', {}, dpBadge('open', e.open_attribute), e.published ? h('div', { class: 'small text-ok', 'data-testid': 'published' }, '✓ ' + t('dp.published')) : null),
    h('td', { class: 'num', 'data-testid': 'pending-changes' }, num(e.pending_changes)),
    h('td', { class: 'num', 'data-testid': 'overdue-changes' }, e.overdue_changes ? badge('chg', 'overdue', num(e.overdue_changes)) : num(e.overdue_changes)),
    h('td', { class: 'small nowrap' }, when(e.updated_at))));
  const mayCreate = isAuthority() || isDeptAdmin();
  paint(gen,
    subnav('catalog'),
    pageHead(t('dp.catalog.title'), t('dp.catalog.desc')),
    mayCreate ? h('div', { class: 'form-actions page-actions' }, h('a', { class: 'btn btn-primary', href: '#/catalog/new', 'data-action': 'new-entry' }, t('dp.entry.new'))) : null,
    card(null, form,
      h('p', { class: 'muted small', 'data-testid': 'catalog-total', 'data-total': list.total }, t('dp.catalog.total', { n: num(list.total) })),
      rows.length ? table(t('dp.catalog.title'), [t('dp.code'), t('col.name'), t('dp.owner'), t('dp.category'), t('dp.grade'),
        t('dp.share'), t('dp.open'), t('dp.pending'), t('dp.overdue'), t('dp.updated')], rows, { class: 'data', 'data-testid': 'catalog-table' })
        : h('p', { class: 'muted', 'data-testid': 'catalog-empty' }, t('dp.catalog.empty')),
      list.total > PAGE_SIZE ? pager(page, list.total, PAGE_SIZE, (p) => '#/catalog' + qs({ ...filters(), page: p })) : null));
}

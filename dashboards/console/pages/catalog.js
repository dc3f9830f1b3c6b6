/* The data catalog (#/catalog): search, filter, sort and page the entries (widgets/table.js). */
import { badge, card, h, pageHead } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { dpLabel, t } from '../core/i18n.js';
import { isAuthority, isDeptAdmin } from '../core/roles.js';
import { paint } from '../core/router.js';
import { dpBadge } from '../widgets/badges.js';
import { deptLabel, deptName, DP, loadDepartments, subnav } from '../widgets/data.js';
import { listTable } from '../widgets/table.js';

export async function pageCatalog(gen, params) {
  const depts = await loadDepartments();
  const options = h('datalist', { id: 'cat-departments' }, depts.items.slice(0, 500).map((d) => h('option', { value: d.id }, deptLabel(d))));
  const list = await listTable({
    path: '/catalog/entries', params, testid: 'catalog', defaultSort: 'id', caption: t('dp.catalog.title'), empty: t('dp.catalog.empty'),
    columns: [{ label: t('dp.code'), sort: 'code' }, { label: t('col.name'), sort: 'name' }, { label: t('dp.owner'), sort: 'owner_department' },
      { label: t('dp.category'), sort: 'category' }, { label: t('dp.grade'), sort: 'grade' }, { label: t('dp.share'), sort: 'share_attribute' },
      { label: t('dp.open'), sort: 'open_attribute' }, { label: t('dp.pending'), num: true }, { label: t('dp.overdue'), num: true },
      { label: t('dp.updated'), sort: 'updated_at' }],
    filters: [{ name: 'q', label: t('dp.search'), type: 'search', placeholder: t('dp.search.placeholder') },
      { name: 'department', label: t('dp.owner'), type: 'text', placeholder: 'gz-...' },
      { name: 'category', label: t('dp.category'), type: 'select', values: DP.category, labelOf: (v) => dpLabel('category', v) },
      { name: 'share', label: t('dp.share'), type: 'select', values: DP.share, labelOf: (v) => dpLabel('share', v) },
      { name: 'open', label: t('dp.open'), type: 'select', values: DP.open, labelOf: (v) => dpLabel('open', v) }],
    row: (e) => h('tr', { 'data-testid': 'entry-row', 'data-id': e.id, 'data-code': e.code },
      h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/catalog/${e.id}` }, e.code)),
      // an entry's name and description, and a department's name, are their owners' words: not translated
      h('td', {}, h('a', { href: `#/catalog/${e.id}`, translate: 'no' }, e.name), e.description ? h('div', { class: 'muted small clamp', translate: 'no' }, e.description) : null),
      h('td', { class: 'small', translate: 'no' }, deptName(e.owner_department, e.owner_department_name)),
      h('td', { class: 'small' }, dpLabel('category', e.category)),
      h('td', {}, dpBadge('grade', e.grade)),
      h('td', {}, dpBadge('share', e.share_attribute)),
      h('td', {}, dpBadge('open', e.open_attribute), e.published ? h('div', { class: 'small text-ok', 'data-testid': 'published' }, '✓ ' + t('dp.published')) : null),
      h('td', { class: 'num', 'data-testid': 'pending-changes' }, num(e.pending_changes)),
      h('td', { class: 'num', 'data-testid': 'overdue-changes' }, e.overdue_changes ? badge('chg', 'overdue', num(e.overdue_changes)) : num(e.overdue_changes)),
      h('td', { class: 'small nowrap' }, when(e.updated_at))),
  });
  const dept = list.querySelector('input[name=department]');
  if (dept) { dept.setAttribute('list', 'cat-departments'); dept.id = 'cat-department'; dept.previousElementSibling.setAttribute('for', 'cat-department'); }
  const q = list.querySelector('input[name=q]');
  if (q) { q.id = 'cat-q'; q.previousElementSibling.setAttribute('for', 'cat-q'); }
  const mayCreate = isAuthority() || isDeptAdmin();
  const total = list.querySelector('[data-testid=table-total]');
  if (total) { total.setAttribute('data-testid', 'catalog-total'); total.textContent = t('dp.catalog.total', { n: num(Number(total.dataset.total)) }); }
  paint(gen,
    subnav('catalog'),
    pageHead(t('dp.catalog.title'), t('dp.catalog.desc')),
    mayCreate ? h('div', { class: 'form-actions page-actions' }, h('a', { class: 'btn btn-primary', href: '#/catalog/new', 'data-action': 'new-entry' }, t('dp.entry.new'))) : null,
    card(null, options, list));
}

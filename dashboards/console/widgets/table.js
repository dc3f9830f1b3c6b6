/* The one table widget for long listings (hosts, workloads, a plan's moves, the catalog, audit): sorting,
   filtering and paging are the API's (sort, order, filters, limit/offset with a total); the widget keeps
   them in the address (#/page?sort=…&order=…&page=…), so a view can be bookmarked, shared and gone back to.
   Two tables on one page keep apart by a prefix on their parameters. */
import { api, qs } from '../core/api.js';
import { errBox, h, markInvalid, qfield, selectOf } from '../core/dom.js';
import { num } from '../core/format.js';
import { t } from '../core/i18n.js';

const hashParams = () => new URLSearchParams(location.hash.split('?')[1] || '');

/**
 * listTable({path, fixed, columns, filters, row, base, params, prefix, size, caption, testid, empty, defaultSort, defaultOrder})
 *   path      the API listing ('/hosts'); fixed: parameters always sent ({cloud: 'gy'})
 *   columns   [{label, sort?: API sort field, num?: true}]; a column with `sort` gets a sort button
 *   filters   [{name, label, type: 'search' | 'select' | 'date' | 'text', values?, labelOf?, placeholder?}]
 *   row       item -> <tr>
 *   base      the page's address without its query (default: the current one)
 * Resolves to the element: filter form, count, table and pager (or the API's refusal, the field marked).
 */
export async function listTable(o) {
  const params = o.params || hashParams();
  const base = o.base || location.hash.split('?')[0];
  const P = (k) => (o.prefix || '') + k;
  const size = o.size || 50;
  const sort = params.get(P('sort')) || '';
  const order = params.get(P('order')) || '';
  const page = Math.max(1, Number(params.get(P('page'))) || 1);
  const values = Object.fromEntries((o.filters || []).map((f) => [f.name, params.get(P(f.name)) || '']));
  const href = (changes) => {
    const p = new URLSearchParams(params);
    Object.entries(changes).forEach(([k, v]) => { if (v === null || v === undefined || v === '') p.delete(P(k)); else p.set(P(k), v); });
    const s = p.toString();
    return base + (s ? '?' + s : '');
  };

  const form = filterForm(o, values, href);
  const err = errBox();
  let data = null;
  try {
    data = await api(o.path + qs({ ...(o.fixed || {}), ...values, sort, order, limit: size, offset: (page - 1) * size }));
  } catch (x) {
    if (x.status !== 422 && x.status !== 400) throw x;
    err.textContent = x.field ? t('table.error', { field: x.field, message: x.detail }) : x.detail;
    err.hidden = false;
    markInvalid(form, x);
    return h('div', { class: 'list-table', 'data-testid': o.testid }, form, err,
      h('a', { class: 'btn', href: href(Object.fromEntries(['sort', 'order', 'page', ...Object.keys(values)].map((k) => [k, null]))) }, t('table.reset')));
  }
  const current = sort || o.defaultSort || '';
  const desc = order ? order === 'desc' : (!sort && o.defaultOrder === 'desc');
  const head = o.columns.map((c) => {
    if (!c.sort) return h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label);
    const on = c.sort === current;
    const next = on && !desc ? 'desc' : 'asc';
    return h('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': on ? (desc ? 'descending' : 'ascending') : 'none' },
      h('a', { class: 'sort' + (on ? ' on' : ''), href: href({ sort: c.sort, order: next, page: null }), 'data-sort': c.sort,
        title: t('table.sortby', { col: c.label }) }, c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, on ? (desc ? ' ▼' : ' ▲') : ' ↕')));
  });
  const pages = Math.max(1, Math.ceil(data.total / size));
  const step = (label, p, disabled, action) => h('a', {
    class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null,
    href: disabled ? null : href({ page: p > 1 ? p : null }), 'data-action': action,
  }, label);
  return h('div', { class: 'list-table', 'data-testid': o.testid },
    form,
    h('p', { class: 'muted small', 'data-testid': 'table-total', 'data-total': data.total }, t('table.total', { n: num(data.total) })),
    data.items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': o.testid ? o.testid + '-table' : null },
        o.caption ? h('caption', { class: 'sr-only' }, o.caption) : null,
        h('thead', {}, h('tr', {}, head)), h('tbody', {}, data.items.map(o.row))))
      : h('p', { class: 'muted', 'data-testid': 'table-empty' }, o.empty || t('none')),
    data.total > size ? h('nav', { class: 'pager', 'aria-label': t('table.pages') },
      step(t('audit.prev'), page - 1, page <= 1, 'prev-page'),
      h('span', { class: 'muted small', 'data-testid': 'pager-text' }, t('dp.page', { page: num(page), pages: num(pages), total: num(data.total) })),
      step(t('audit.next'), page + 1, page >= pages, 'next-page')) : null);
}

function filterForm(o, values, href) {
  if (!o.filters || !o.filters.length) return null;
  const id = (f) => `${o.testid || 'tbl'}-${f.name}`;
  const controls = o.filters.map((f) => {
    if (f.type === 'select') return selectOf(id(f), f.name, ['', ...f.values], (v) => (v === '' ? t('dp.any') : f.labelOf(v)), values[f.name]);
    return h('input', { id: id(f), name: f.name, type: f.type === 'date' ? 'date' : f.type === 'search' ? 'search' : 'text',
      value: values[f.name], placeholder: f.placeholder || null, autocomplete: 'off' });
  });
  const form = h('form', { class: 'filter-form', role: 'search', novalidate: true, 'data-testid': (o.testid || 'tbl') + '-filter' },
    o.filters.map((f, i) => qfield(id(f), f.label, controls[i])),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'filter' }, t('table.apply')),
      h('a', { class: 'btn', href: href(Object.fromEntries([...o.filters.map((f) => [f.name, null]), ['page', null]])) }, t('table.clear'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const changes = { page: null };
    o.filters.forEach((f, i) => { changes[f.name] = controls[i].value.trim(); });
    location.hash = href(changes);
  });
  return form;
}

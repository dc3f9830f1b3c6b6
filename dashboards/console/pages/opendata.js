/* Open data (#/opendata): progress against the yearly targets and the published data sets. */
import { api, qs } from '../core/api.js';
import { bar, card, h, pageHead, table } from '../core/dom.js';
import { num, pct, when } from '../core/format.js';
import { dpLabel, t } from '../core/i18n.js';
import { paint } from '../core/router.js';
import { dpBadge } from '../widgets/badges.js';
import { DP, PAGE_SIZE, pager, subnav } from '../widgets/data.js';

function targetsBlock(stats) {
  const targets = stats.targets && stats.targets.length ? stats.targets : DP.targets;
  return h('div', { class: 'targets', 'data-testid': 'opendata-stats', 'data-published': stats.published },
    h('div', { class: 'tile-value' }, num(stats.published), h('span', { class: 'muted small' }, ' ' + t('dp.open.published.n'))),
    targets.map((x) => {
      const frac = x.target ? stats.published / x.target : 0;
      const met = x.met !== undefined ? x.met : stats.published >= x.target;
      const short = x.short !== undefined ? x.short : Math.max(0, x.target - stats.published);
      return h('div', { class: 'target', 'data-testid': 'target', 'data-year': x.year, 'data-met': String(met) },
        h('div', { class: 'small' }, h('strong', {}, t('dp.open.target', { year: x.year, n: num(x.target) })),
          x.deadline ? h('span', { class: 'muted' }, ' · ' + t('dp.open.deadline', { d: x.deadline })) : null),
        bar(frac, `${num(stats.published)} / ${num(x.target)} · ${pct(frac, 1)}`),
        h('div', { class: 'small ' + (met ? 'text-ok' : 'muted') }, met ? '✓ ' + t('dp.open.met') : t('dp.open.short', { n: num(short) })));
    }));
}

export async function pageOpendata(gen, params) {
  const q = params.get('q') || '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [stats, list] = await Promise.all([api('/opendata/stats'), api('/opendata/datasets' + qs({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }))]);
  const input = h('input', { id: 'od-q', name: 'q', type: 'search', value: q, placeholder: t('dp.search.placeholder') });
  const form = h('form', { class: 'inline-form', role: 'search', 'data-testid': 'opendata-search' },
    h('label', { for: 'od-q' }, t('dp.search')), input, h('button', { type: 'submit', class: 'btn btn-primary' }, t('dp.search.submit')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/opendata' + qs({ q: input.value.trim() }); });
  const rows = list.items.map((d) => h('tr', { 'data-testid': 'dataset-row', 'data-code': d.code },
    h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/catalog${qs({ q: d.code })}` }, d.code)),
    h('td', {}, d.name, d.description ? h('div', { class: 'muted small clamp' }, d.description) : null),
    h('td', { class: 'small' }, d.department_name || d.department),
    h('td', { class: 'small' }, dpLabel('category', d.category)),
    h('td', { class: 'small' }, dpLabel('frequency', d.update_frequency)),
    h('td', {}, dpBadge('open', d.open_attribute)),
    h('td', { class: 'small nowrap' }, when(d.published_at)),
    h('td', { class: 'small' }, h('a', { href: `/console/open.html#/d/${encodeURIComponent(d.code)}`, target: '_blank', rel: 'noopener' }, t('dp.open.public')))));
  paint(gen,
    subnav('opendata'),
    pageHead(t('dp.opendata.title'), t('dp.opendata.desc')),
    card(t('dp.open.progress'), targetsBlock(stats)),
    card(t('dp.open.list'), form,
      h('p', { class: 'muted small' }, t('dp.open.publish.where'), ' ', h('a', { href: '/console/open.html', 'data-testid': 'public-page-link' }, t('dp.open.publicpage'))),
      rows.length ? table(t('dp.open.list'), [t('dp.code'), t('col.name'), t('col.department'), t('dp.category'), t('dp.frequency'), t('dp.open'), t('dp.published.col'), ''],
        rows, { class: 'data', 'data-testid': 'datasets-table' }) : h('p', { class: 'muted', 'data-testid': 'datasets-empty' }, t('dp.open.none')),
      list.total > PAGE_SIZE ? pager(page, list.total, PAGE_SIZE, (p) => '#/opendata' + qs({ q, page: p })) : null));
}

/* One scenario (#/scenarios/7) and scenarios side by side (#/scenarios/compare?ids=3,5), docs/whatif.md. */
import { api } from '../core/api.js';
import { card, dl, forbidden, h, pageHead, table, tile } from '../core/dom.js';
import { num, UNITS, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { PLAN_ROLES } from '../core/roles.js';
import { nav, paint, route } from '../core/router.js';
import { cloudName, loadClouds, role } from '../core/session.js';
import { stateBadge } from './scenarios.js';

const POLL_MS = 1000;
const amounts = (a) => Object.entries(a || {}).filter(([, v]) => v > 0).map(([k, v]) => `${num(v, 1)} ${UNITS[k]}`).join(', ') || '–';

function energyCard(e) {
  if (!e) return null;
  const row = (label, x) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, num(x.kw, 1)),
    h('td', { class: 'num' }, num(x.mwh_per_year, 1)), h('td', { class: 'num' }, num(x.yuan_per_year, 0)),
    h('td', { class: 'num' }, x.hosts_on === undefined ? '–' : num(x.hosts_on)));
  return card(t('energy.title'),
    table(t('energy.title'), ['', t('energy.kw'), t('energy.mwh'), t('energy.yuan'), t('energy.hosts_on')], [
      row(t('energy.before'), e.before), row(t('energy.after'), e.after), row(t('energy.if_off'), e.if_empty_hosts_off)],
    { class: 'data', 'data-testid': 'energy-table' }),
    h('p', { class: 'muted small' }, t('energy.note', { n: e.empty_hosts_on, tariff: e.model.tariff_yuan_per_kwh })));
}

export async function pageScenario(gen, _params, id) {
  if (!PLAN_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.scenarios'))); return; }
  await loadClouds();
  const s = await api(`/scenarios/${id}`);
  const head = pageHead(`#${s.id} ${s.name}`, t('scenario.desc'), h('a', { href: '#/scenarios', class: 'back' }, t('back.scenarios')));
  const meta = card(null, dl([t('col.state'), stateBadge(s.state)], [t('scenario.scope'), s.scope === 'all' ? t('scope.all') : cloudName(s.scope)],
    [t('scenario.creator'), s.creator], [t('col.created'), when(s.created_at)],
    s.seconds !== null ? [t('scenario.seconds'), `${num(s.seconds, 1)} s`] : null,
    s.state_reason ? [t('scenario.reason'), s.state_text || s.state_reason] : null));
  if (s.state === 'pending') {
    paint(gen, head, meta, h('p', { class: 'muted', role: 'status', 'data-testid': 'scenario-pending' }, t('scenario.pending')));
    nav.timers.push(setTimeout(route, POLL_MS));
    return;
  }
  const r = s.result;
  if (!r) { paint(gen, head, meta); return; }
  const f = r.fits;
  const d = r.drill;
  const tiles = h('div', { class: 'tiles' },
    tile(t('scenario.placed'), `${num(f.placed)} / ${num(f.systems)}`, t('scenario.new_placed', { n: f.new_systems.placed, of: f.new_systems.total }), 'tile-fits'),
    tile(t('scenario.hosts'), num(r.hosts.total.active), t('scenario.bound', { n: r.hosts.total.bound }), 'tile-hosts'),
    d ? tile(t('scenario.p1'), `${num(d.priority1.within_rto)} / ${num(d.priority1.systems)}`, d.clouds.map(cloudName).join(', '), 'tile-p1') : null,
    r.energy ? tile(t('energy.kw'), `${num(r.energy.before.kw, 1)} → ${num(r.energy.after.kw, 1)}`, null, 'tile-kw') : null);
  const applied = card(t('scenario.applied'), h('ul', { 'data-testid': 'applied' }, r.applied.map((x) => h('li', {}, x.text))));
  const reasons = card(t('scenario.unplaced'), f.by_reason.length
    ? table(t('scenario.unplaced'), [t('scenario.systems'), t('scenario.reason')],
      f.by_reason.map((x) => h('tr', {}, h('td', { class: 'num' }, num(x.systems)), h('td', {}, x.reason))), { class: 'data', 'data-testid': 'unplaced-table' })
    : h('p', { class: 'muted' }, t('scenario.all_fit')));
  const hosts = card(t('scenario.hosts_per_cloud'), table(t('scenario.hosts_per_cloud'),
    [t('scenario.cloud'), t('scenario.live'), t('scenario.active'), t('scenario.bound_col'), t('scenario.free')],
    r.hosts.clouds.map((c) => h('tr', { 'data-cloud': c.cloud }, h('th', { scope: 'row' }, cloudName(c.cloud)),
      c.lost ? h('td', { colspan: 4 }, t('scenario.lost')) : [h('td', { class: 'num' }, num(c.live)), h('td', { class: 'num' }, num(c.active)),
        h('td', { class: 'num' }, num(c.bound)), h('td', { class: 'num' }, num(c.free))])), { class: 'data', 'data-testid': 'hosts-table' }));
  const quota = card(t('scenario.quota'), table(t('scenario.quota'), [t('scenario.cloud'), t('scenario.grantable'), t('scenario.short')],
    r.quota.map((q) => h('tr', { 'data-cloud': q.cloud }, h('th', { scope: 'row' }, cloudName(q.cloud)),
      h('td', {}, amounts(q.grantable)), h('td', { class: amounts(q.short) === '–' ? '' : 'bad' }, amounts(q.short)))),
    { class: 'data', 'data-testid': 'quota-table' }),
  r.quota_requests.length ? h('ul', {}, r.quota_requests.map((v) => h('li', { 'data-request': v.id },
    t('scenario.request', { id: v.id, dept: v.department, cloud: cloudName(v.cloud) }), ' ', h('strong', {}, t('scenario.verdict.' + v.verdict))))) : null);
  const drill = d ? card(t('scenario.drill'), table(t('scenario.drill'), [t('scenario.priority'), t('scenario.systems'), t('scenario.within')],
    d.by_priority.map((p) => h('tr', {}, h('th', { scope: 'row' }, `P${p.priority}`), h('td', { class: 'num' }, num(p.systems)),
      h('td', { class: 'num' }, num(p.within_rto)))), { class: 'data', 'data-testid': 'drill-table' }))
    : card(t('scenario.drill'), h('p', { class: 'muted' }, r.drill_note_text || r.drill_note));
  paint(gen, head, meta, tiles, applied, reasons, hosts, quota, drill, energyCard(r.energy));
}

export async function pageScenarioCompare(gen, params) {
  if (!PLAN_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.scenarios'))); return; }
  await loadClouds();
  const c = await api(`/scenarios/compare?ids=${encodeURIComponent(params.get('ids') || '')}`);
  const ids = c.scenarios.map((s) => String(s.id));
  const head = (s) => h('th', { scope: 'col' }, h('a', { href: `#/scenarios/${s.id}` }, `#${s.id} ${s.name}`), ' ', stateBadge(s.state));
  const line = (label, f) => h('tr', {}, h('th', { scope: 'row' }, label), c.scenarios.map((s) => h('td', { class: 'num' }, s.headline ? f(s.headline) : '–')));
  const summary = h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': 'compare-table' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), c.scenarios.map(head))),
    h('tbody', {},
      line(t('scenario.unplaced'), (x) => num(x.unplaced)),
      line(t('scenario.hosts'), (x) => `${num(x.active_hosts)} (≥ ${num(x.bound_hosts)})`),
      line(t('scenario.p1'), (x) => (x.priority1_systems === null ? '–' : `${num(x.priority1_within_rto)} / ${num(x.priority1_systems)}`)),
      line(t('scenario.short_clouds'), (x) => x.clouds_short.map(cloudName).join(', ') || '–'),
      line(t('energy.kw'), (x) => (x.kw_after === null ? '–' : `${num(x.kw_before, 1)} → ${num(x.kw_after, 1)}`)))));
  const perCloud = h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': 'compare-clouds' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('scenario.cloud')), c.scenarios.map(head))),
    h('tbody', {}, c.clouds.map((row) => h('tr', { 'data-cloud': row.cloud }, h('th', { scope: 'row' }, cloudName(row.cloud)),
      ids.map((i) => {
        const x = row.scenarios[i];
        if (!x) return h('td', {}, '–');
        if (x.lost) return h('td', {}, t('scenario.lost'));
        return h('td', { class: 'small' }, t('scenario.cell', { active: num(x.active), live: num(x.live), bound: num(x.bound) }),
          x.short && amounts(x.short) !== '–' ? h('div', { class: 'bad' }, t('scenario.short') + ': ' + amounts(x.short)) : null);
      }))))));
  paint(gen, pageHead(t('scenario.compare.title'), t('scenario.compare.desc'), h('a', { href: '#/scenarios', class: 'back' }, t('back.scenarios'))),
    card(null, summary), card(t('scenario.hosts_per_cloud'), perCloud));
}

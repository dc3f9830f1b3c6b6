/* Overview (#/overview): the clouds in scope, totals, and the heat map of hosts. */
import { all, api } from '../core/api.js';
import { allocBar, card, fillClass, h, loading, pageHead, table, tile } from '../core/dom.js';
import { num, pct, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { current, paint } from '../core/router.js';
import { cloudName, loadClouds, Q } from '../core/session.js';
import { statusBadge } from '../widgets/badges.js';
import { hostFill, utilText } from '../widgets/fleet.js';

export async function pageOverview(gen) {
  Q.clouds = null;  // fresh figures on every visit
  const clouds = Object.values(await loadClouds());
  const hostsP = may.hosts() ? all('/hosts') : Promise.resolve(null);
  const sum = (f) => clouds.reduce((a, c) => a + f(c), 0);
  const cap = { vcpu: sum((c) => c.capacity.vcpu), mem: sum((c) => c.capacity.memory_gib) };
  const alloc = { vcpu: sum((c) => c.allocated.vcpu), mem: sum((c) => c.allocated.memory_gib) };
  const healthy = clouds.filter((c) => c.status === 'healthy').length;

  const utilCells = {};
  const rows = clouds.map((c) => {
    utilCells[c.id] = [h('td', { class: 'util' }, '…'), h('td', { class: 'util' }, '…')];
    return h('tr', { 'data-testid': 'cloud-row', 'data-cloud': c.id },
      h('th', { scope: 'row' }, h('a', { href: `#/clouds/${c.id}` }, cloudName(c.id)), h('div', { class: 'muted small' }, c.id)),
      h('td', { class: 'nowrap' }, t('kind.' + c.kind)),
      h('td', {}, statusBadge(c.status), c.status_detail ? h('div', { class: 'muted small' }, c.status_detail) : null),
      h('td', { class: 'num' }, num(c.hosts)),
      h('td', { class: 'num' }, num(c.workloads)),
      h('td', {}, allocBar(c.allocated.vcpu, c.capacity.vcpu, 'vcpu')),
      h('td', {}, allocBar(c.allocated.memory_gib, c.capacity.memory_gib, 'memory_gib')),
      utilCells[c.id],
      h('td', { class: 'small nowrap' }, when(c.last_sync_at)));
  });
  const heat = h('div', {}, may.hosts() ? loading() : null);
  const runway = h('div', { 'data-testid': 'runway' }, may.plans() ? loading() : null);
  paint(gen,
    pageHead(t('overview.title'), t('overview.scope', { n: clouds.length })),
    h('div', { class: 'tiles' },
      tile(t('tile.clouds'), num(clouds.length), t('tile.healthy', { n: healthy }), 'tile-clouds'),
      tile(t('tile.hosts'), num(sum((c) => c.hosts))),
      tile(t('tile.workloads'), num(sum((c) => c.workloads))),
      tile(t('tile.vcpu'), pct(cap.vcpu ? alloc.vcpu / cap.vcpu : null), `${num(alloc.vcpu)} / ${withUnit(cap.vcpu, 'vcpu')}`),
      tile(t('tile.memory'), pct(cap.mem ? alloc.mem / cap.mem : null), `${num(alloc.mem)} / ${withUnit(cap.mem, 'memory_gib')}`)),
    card(null, table(t('overview.title'), [t('col.cloud'), t('col.kind'), t('col.status'), t('col.hosts'), t('col.workloads'),
      t('col.alloc_vcpu'), t('col.alloc_mem'), t('col.util_vcpu'), t('col.util_mem'), t('col.last_sync')], rows,
    { class: 'data', 'data-testid': 'clouds-table' })),
    may.plans() ? card(t('runway.title'), h('p', { class: 'muted' }, t('runway.desc')), runway) : null,
    may.hosts() ? card(t('heat.title'), h('p', { class: 'muted' }, t('heat.desc')), heat) : null);
  if (may.plans()) {
    api('/runway').then((r) => { if (current(gen)) runway.replaceChildren(runwayTable(r)); })
      .catch((e) => { if (current(gen)) runway.replaceChildren(h('p', { class: 'muted' }, e.detail || String(e))); });
  }

  // Utilisation per cloud, filled in as the answers come.
  clouds.forEach(async (c) => {
    try {
      const u = await api(`/clouds/${c.id}/utilisation`);
      if (!current(gen)) return;
      const by = Object.fromEntries(u.resources.map((r) => [r.resource, r]));
      ['vcpu', 'memory_gib'].forEach((res, i) => utilCells[c.id][i].replaceChildren(utilText(by[res])));
    } catch (_) { /* shown as no data */ }
  });
  const hosts = await hostsP;
  if (hosts && current(gen)) heat.replaceChildren(heatMap(hosts));
}

// Per cloud and resource: when the forecast crosses the allottable share (and the fill target, if any).
function runwayTable(r) {
  const cross = (c) => {
    if (!c) return '–';
    if (c.already) return t('runway.already');
    if (!c.expected.date) return t('runway.beyond', { days: r.horizon_days });
    return t('runway.on', { date: c.expected.date, from: c.earliest.date || '–', to: c.latest.date || t('runway.later') });
  };
  const rows = r.items.map((i) => h('tr', { 'data-cloud': i.cloud, 'data-resource': i.resource },
    h('th', { scope: 'row' }, cloudName(i.cloud)), h('td', {}, t('runway.res.' + i.resource)),
    h('td', { class: 'num' }, num(i.history_days)),
    i.forecast ? [h('td', { class: 'num' }, pct(i.last.p95)), h('td', { class: 'num' }, pct(i.forecast.trend_per_day * 30, 1)),
      h('td', {}, cross(i.crossings.allottable)), h('td', {}, cross(i.crossings.fill_target))]
      : h('td', { colspan: 4, class: 'muted small' }, i.note)));
  return table(t('runway.title'), [t('col.cloud'), t('runway.resource'), t('runway.days'), t('runway.last'), t('runway.trend'),
    t('runway.allottable'), t('runway.fill')], rows, { class: 'data', 'data-testid': 'runway-table' });
}

function heatMap(hosts) {
  const by = {};
  hosts.forEach((x) => { (by[x.cloud] = by[x.cloud] || []).push(x); });
  const legend = h('div', { class: 'legend', 'aria-hidden': 'true' },
    h('span', {}, t('heat.legend')),
    ['f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5'].map((f, i) =>
      h('span', { class: 'legend-item' }, h('span', { class: 'cell ' + f }), ['0', '<25%', '25%', '50%', '75%', '≥90%'][i])),
    h('span', { class: 'legend-item' }, h('span', { class: 'cell f-0 down' }), t('heat.down')),
    h('span', { class: 'legend-item' }, h('span', { class: 'cell f-0 unsched' }), t('heat.unsched')));
  const groups = Object.keys(by).sort().map((cid) => h('div', { class: 'heat-group' },
    h('h3', {}, h('a', { href: `#/clouds/${cid}` }, cloudName(cid)), h('span', { class: 'muted small' }, ` ${by[cid].length}`)),
    h('div', { class: 'heat-grid' }, by[cid].map((x) => {
      const f = hostFill(x);
      const label = t('heat.cell', { host: x.id, pct: pct(f) }) + (x.up ? '' : ` · ${t('heat.down')}`) +
        (x.schedulable ? '' : ` · ${t('heat.unsched')}`);
      return h('a', {
        href: `#/hosts/${x.id}`, class: `cell heat-cell ${fillClass(f)}${x.up ? '' : ' down'}${x.schedulable ? '' : ' unsched'}`,
        title: label, 'aria-label': label, 'data-host': x.id,
      });
    }))));
  return h('div', { class: 'heat', 'data-testid': 'heatmap' }, legend, h('div', { class: 'heat-groups' }, groups));
}

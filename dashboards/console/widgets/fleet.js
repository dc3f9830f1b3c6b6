/* Pieces of the fleet pages (overview, cloud, host, plan, platform): utilisation, workloads, host links. */
import { bar, h, table } from '../core/dom.js';
import { pct, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { listTable } from './table.js';
import { deptName } from '../core/session.js';

/** A department as people know it: its name, with the id beside it for whoever needs the id. */
export const deptLabel = (id) => (deptName(id) !== id
  ? h('span', { class: 'dept', 'data-department': id }, deptName(id), ' ', h('span', { class: 'muted small id' }, id))
  : h('span', { class: 'dept', 'data-department': id }, id));

export const hostFill = (hst) => Math.max(
  hst.capacity.vcpu ? hst.allocated.vcpu / hst.capacity.vcpu : 0,
  hst.capacity.memory_gib ? hst.allocated.memory_gib / hst.capacity.memory_gib : 0);

export function utilText(r) {
  if (!r || r.latest === null || r.latest === undefined) return h('span', { class: 'muted small' }, t('util.none'));
  return h('div', { class: 'util-pair' },
    bar(r.latest, `${t('util.latest')} ${pct(r.latest)}`, 'thin'),
    bar(r.p95, `${t('util.p95')} ${pct(r.p95)}`, 'thin p95'));
}

export function utilBlock(u) {
  return h('div', { class: 'util-block' },
    u.resources.map((r) => h('div', { class: 'util-row' },
      h('span', { class: 'util-label' }, `${t('res.' + r.resource)} (${withUnit(r.capacity, r.resource)})`),
      utilText(r))),
    u.window_end ? h('p', { class: 'muted small' }, t('cloud.window', { t: when(u.window_end) })) : null);
}

const workloadRow = (w) => h('tr', { 'data-testid': 'workload-row', 'data-id': w.id },
  h('th', { scope: 'row' }, w.id),
  h('td', {}, w.name),
  h('td', { class: 'small' }, w.department),
  h('td', {}, w.tier),
  h('td', {}, w.classification, ` · MLPS ${w.mlps_level}`),
  h('td', { class: 'small' }, `${withUnit(w.demand.vcpu, 'vcpu', 1)} · ${withUnit(w.demand.memory_gib, 'memory_gib', 1)}`),
  h('td', {}, h('a', { href: `#/why/${encodeURIComponent(w.id)}` }, t('why.link'))));

// A short list of workloads already read (the whole list on one page).
export function workloadTable(ws) {
  if (!ws.length) return h('p', { class: 'muted' }, t('none'));
  return table(t('col.workload'),
    [t('col.workload'), t('col.name'), t('col.department'), t('col.tier'), t('col.classification'), t('col.demand'), t('col.why')],
    ws.map(workloadRow), { class: 'data' });
}

// The workloads of a cloud or host, sorted, filtered and paged by the API (GET /workloads).
export function workloadList(fixed, params) {
  return listTable({
    path: '/workloads', fixed, params, testid: 'workloads', defaultSort: 'id', caption: t('col.workload'),
    columns: [{ label: t('col.workload'), sort: 'id' }, { label: t('col.name'), sort: 'name' }, { label: t('col.department'), sort: 'department' },
      { label: t('col.tier'), sort: 'tier' }, { label: t('col.classification'), sort: 'classification' },
      { label: t('col.demand'), sort: 'vcpu' }, { label: t('col.why') }],
    filters: [{ name: 'q', label: t('table.search'), type: 'search', placeholder: t('table.search.workload') },
      { name: 'tier', label: t('col.tier'), type: 'select', values: ['province', 'city', 'county'], labelOf: (v) => v },
      { name: 'classification', label: t('col.classification'), type: 'select', values: ['public', 'internal', 'sensitive', 'classified'], labelOf: (v) => v }],
    row: workloadRow,
  });
}

export const hostLink = (id) => (may.hosts() ? h('a', { href: `#/hosts/${id}` }, id) : id);

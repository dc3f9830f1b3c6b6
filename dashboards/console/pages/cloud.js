/* A cloud (#/clouds/{id}): capacity, utilisation, and its hosts (or, for a department admin, its workloads there). */
import { api } from '../core/api.js';
import { allocBar, badge, card, h, pageHead, tile } from '../core/dom.js';
import { num, pct, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';
import { statusBadge } from '../widgets/badges.js';
import { utilBlock, workloadList } from '../widgets/fleet.js';
import { listTable } from '../widgets/table.js';

export async function pageCloud(gen, params, id) {
  await loadClouds();
  const [c, u] = await Promise.all([api(`/clouds/${encodeURIComponent(id)}`), api(`/clouds/${encodeURIComponent(id)}/utilisation`)]);
  const back = h('a', { href: '#/overview', class: 'back' }, t('back.overview'));
  let list;
  if (may.hosts()) {
    list = card(t('cloud.hosts'), await listTable({
      path: '/hosts', fixed: { cloud: id }, params, testid: 'hosts', defaultSort: 'id', caption: t('cloud.hosts'),
      columns: [{ label: t('col.host'), sort: 'id' }, { label: t('col.model'), sort: 'model' }, { label: t('col.state'), sort: 'up' },
        { label: t('col.workloads'), sort: 'workloads', num: true }, { label: t('col.alloc_vcpu'), sort: 'allocated_vcpu' },
        { label: t('col.alloc_mem'), sort: 'allocated_memory_gib' }],
      filters: [{ name: 'q', label: t('table.search'), type: 'search', placeholder: t('table.search.host') },
        { name: 'schedulable', label: t('host.schedulable'), type: 'select', values: ['true', 'false'], labelOf: (v) => t('bool.' + v) }],
      row: (x) => h('tr', { 'data-testid': 'host-row', 'data-id': x.id },
        h('th', { scope: 'row' }, h('a', { href: `#/hosts/${x.id}` }, x.id)),
        h('td', { class: 'small' }, x.model),
        h('td', {}, x.up ? badge('host', 'up', t('host.up')) : badge('host', 'down', t('host.down')),
          x.schedulable ? null : [' ', badge('host', 'unsched', t('host.unschedulable'))]),
        h('td', { class: 'num' }, num(x.workloads)),
        h('td', {}, allocBar(x.allocated.vcpu, x.capacity.vcpu, 'vcpu')),
        h('td', {}, allocBar(x.allocated.memory_gib, x.capacity.memory_gib, 'memory_gib'))),
    }));
  } else {
    list = card(t('cloud.workloads'), await workloadList({ cloud: id }, params));
  }
  paint(gen,
    pageHead(cloudName(c.id), `${c.id} · ${t('kind.' + c.kind)} · MLPS ${c.mlps_level}`, back),
    h('div', { class: 'tiles' },
      tile(t('col.status'), statusBadge(c.status), c.status_detail || when(c.last_sync_at)),
      tile(t('tile.hosts'), num(c.hosts)),
      tile(t('tile.workloads'), num(c.workloads)),
      ['vcpu', 'memory_gib', 'gpu', 'storage_gib'].map((r) => tile(t('res.' + r),
        pct(c.capacity[r] ? c.allocated[r] / c.capacity[r] : null),
        `${num(c.allocated[r])} / ${withUnit(c.capacity[r], r)}`))),
    card(t('cloud.util'), utilBlock(u)),
    list);
}

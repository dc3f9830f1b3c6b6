/* A cloud (#/clouds/{id}): capacity, utilisation, and its hosts (or, for a department admin, its workloads there). */
import { all, api } from '../core/api.js';
import { allocBar, badge, card, h, pageHead, table, tile } from '../core/dom.js';
import { num, pct, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';
import { statusBadge } from '../widgets/badges.js';
import { utilBlock, workloadTable } from '../widgets/fleet.js';

export async function pageCloud(gen, _params, id) {
  await loadClouds();
  const [c, u] = await Promise.all([api(`/clouds/${encodeURIComponent(id)}`), api(`/clouds/${encodeURIComponent(id)}/utilisation`)]);
  const back = h('a', { href: '#/overview', class: 'back' }, t('back.overview'));
  let list;
  if (may.hosts()) {
    const hosts = await all(`/hosts?cloud=${encodeURIComponent(id)}`);
    list = card(t('cloud.hosts'), table(t('cloud.hosts'),
      [t('col.host'), t('col.model'), t('col.state'), t('col.workloads'), t('col.alloc_vcpu'), t('col.alloc_mem')],
      hosts.map((x) => h('tr', { 'data-testid': 'host-row' },
        h('th', { scope: 'row' }, h('a', { href: `#/hosts/${x.id}` }, x.id)),
        h('td', { class: 'small' }, x.model),
        h('td', {}, x.up ? badge('host', 'up', t('host.up')) : badge('host', 'down', t('host.down')),
          x.schedulable ? null : [' ', badge('host', 'unsched', t('host.unschedulable'))]),
        h('td', { class: 'num' }, num(x.workloads)),
        h('td', {}, allocBar(x.allocated.vcpu, x.capacity.vcpu, 'vcpu')),
        h('td', {}, allocBar(x.allocated.memory_gib, x.capacity.memory_gib, 'memory_gib')))),
      { class: 'data' }));
  } else {
    const ws = await all(`/workloads?cloud=${encodeURIComponent(id)}`);
    list = card(t('cloud.workloads'), workloadTable(ws));
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

/* A host (#/hosts/{id}): allocation, utilisation and the workloads on it. */
import { api } from '../core/api.js';
import { badge, card, forbidden, h, pageHead, tile } from '../core/dom.js';
import { num, pct, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';
import { utilBlock, workloadList } from '../widgets/fleet.js';

export async function pageHost(gen, params, id) {
  if (!may.hosts()) { paint(gen, forbidden(t('forbidden.hosts'))); return; }
  await loadClouds();
  const e = encodeURIComponent(id);
  const [x, u, ws] = await Promise.all([api(`/hosts/${e}`), api(`/hosts/${e}/utilisation`), workloadList({ host: id }, params)]);
  paint(gen,
    pageHead(x.id, `${cloudName(x.cloud)} · ${x.model}`,
      h('a', { href: `#/clouds/${x.cloud}`, class: 'back' }, t('back.cloud', { cloud: cloudName(x.cloud) }))),
    h('div', { class: 'tiles' },
      tile(t('col.state'), x.up ? badge('host', 'up', t('host.up')) : badge('host', 'down', t('host.down')),
        x.schedulable ? `${t('host.lastseen')} ${when(x.last_seen_at)}` : t('host.unschedulable')),
      tile(t('tile.workloads'), num(x.workloads)),
      ['vcpu', 'memory_gib', 'storage_gib'].map((r) => tile(t('res.' + r),
        pct(x.capacity[r] ? x.allocated[r] / x.capacity[r] : null), `${num(x.allocated[r])} / ${withUnit(x.capacity[r], r)}`))),
    card(t('cloud.util'), utilBlock(u)),
    card(t('host.workloads'), ws));
}

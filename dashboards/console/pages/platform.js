/* The data platform's three tenants (#/platform): their quotas, services and job sets. */
import { api } from '../core/api.js';
import { badge, bar, card, errorBox, h, pageHead, table } from '../core/dom.js';
import { num, withUnit } from '../core/format.js';
import { lang, t, tx } from '../core/i18n.js';
import { mayOpenJobSet } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';
import { subnav } from '../widgets/data.js';
import { hostLink } from '../widgets/fleet.js';
import { QUOTA_RES } from '../widgets/quotas.js';

const MODULES = ['catalog', 'sharing', 'opendata'];

function tenantCard(tn) {
  const quota = tn.quota || {}, used = tn.used || {};
  const bars = QUOTA_RES.filter((r) => (quota[r] || 0) > 0 || (used[r] || 0) > 0).map((r) => {
    const frac = quota[r] ? (used[r] || 0) / quota[r] : ((used[r] || 0) ? 1 : 0);
    return h('div', { class: 'quota-bar', 'data-resource': r, 'data-quota': quota[r] || 0, 'data-used': used[r] || 0 },
      h('div', { class: 'small' }, t('res.' + r)), bar(frac, `${num(used[r] || 0, 1)} / ${withUnit(quota[r] || 0, r, 1)}`, frac > 1 ? 'over' : ''));
  });
  const ws = tn.workloads || [], js = tn.jobsets || [];
  return card(null, h('div', { 'data-testid': 'tenant', 'data-module': tn.module, 'data-department': tn.department },
    h('h2', {}, t('dp.tenant.of', { m: t('dp.module.' + tn.module) }), ' ', h('span', { class: 'muted small' }, `${(lang() === 'en' && tn.name_en) || tn.name || ''} (${tn.department}) · ${cloudName(tn.cloud)}`)),
    h('h3', {}, t('dp.tenant.quota')),
    bars.length ? h('div', { class: 'quota-bars' }, bars) : h('p', { class: 'muted' }, t('quota.none')),
    h('div', { class: 'two-col even' },
      h('div', {}, h('h3', {}, t('dp.tenant.services', { n: num(ws.length) })),
        ws.length ? table(t('dp.tenant.services', { n: ws.length }), [t('col.workload'), t('col.name'), t('col.host'), t('col.demand')],
          ws.map((w) => h('tr', { 'data-testid': 'tenant-workload', 'data-host': w.host || '' },
            h('th', { scope: 'row', class: 'small' }, h('a', { href: `#/why/${encodeURIComponent(w.id)}` }, w.id)),
            h('td', {}, w.name),
            h('td', { class: 'small' }, w.host ? hostLink(w.host) : w.placed ? '—' : h('span', { class: 'muted' }, t('why.pending'))),
            h('td', { class: 'small nowrap' }, `${withUnit(w.vcpu, 'vcpu', 1)} · ${withUnit(w.memory_gib, 'memory_gib', 1)}`))), { class: 'data' })
          : h('p', { class: 'muted' }, t('none'))),
      h('div', {}, h('h3', {}, t('dp.tenant.jobsets', { n: num(js.length) })),
        js.length ? table(t('dp.tenant.jobsets', { n: js.length }), [t('jobs.col.set'), t('jobs.recurrence'), t('jobs.col.run')],
          js.map((j) => h('tr', { 'data-testid': 'tenant-jobset', 'data-jobset': j.id },
            h('th', { scope: 'row', class: 'small' }, mayOpenJobSet(tn.department, tn.cloud) ? h('a', { href: `#/jobs/${j.id}`, 'data-testid': 'jobset-link' }, `#${j.id}`) : `#${j.id}`, j.name ? ` · ${j.name}` : ''),
            h('td', { class: 'small' }, j.recurrence ? h('code', {}, j.recurrence) : t('jobs.once')),
            h('td', {}, j.run_state ? badge('run', j.run_state, tx('run.state.' + j.run_state, j.run_state)) : '–'))), { class: 'data' })
          : h('p', { class: 'muted' }, t('none'))))));
}

export async function pagePlatform(gen) {
  await loadClouds();
  const tenants = await Promise.all(MODULES.map((m) => api(`/${m}/tenant`).then((x) => ({ module: m, ...x })).catch((e) => ({ module: m, error: e }))));
  paint(gen,
    subnav('platform'),
    pageHead(t('dp.platform.title'), t('dp.platform.desc')),
    tenants.map((tn) => (tn.error ? card(t('dp.tenant.of', { m: t('dp.module.' + tn.module) }), errorBox(tn.error)) : tenantCard(tn))));
}

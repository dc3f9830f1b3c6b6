/* Quota figures shown by the quota pages and the data platform's tenants (docs/quotas.md). */
import { badge, bar, h } from '../core/dom.js';
import { num, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';

export const QUOTA_RES = ['vcpu', 'memory_gib', 'gpu', 'storage_gib'];
export const amountText = (a) => QUOTA_RES.filter((r) => a[r] > 0).map((r) => withUnit(a[r], r, 1) + (r === 'memory_gib' ? ' ' + t('res.memory_gib') : r === 'storage_gib' ? ' ' + t('res.storage_gib') : '')).join(' · ') || '–';
export const verdictBadge = (f) => (f ? h('div', { 'data-testid': 'feasibility', 'data-verdict': f.verdict },
  badge('verdict', f.verdict === 'short' ? 'no' : 'yes', (f.verdict === 'short' ? '✗ ' : '✓ ') + t('quota.verdict.' + f.verdict, { n: f.migrations })),
  h('div', { class: 'small' }, f.text || f.message)) : '–');

export function quotaBars(item) {
  return h('div', { class: 'quota-bars' }, QUOTA_RES.filter((r) => item.resources[r].quota > 0 || item.resources[r].used > 0).map((r) => {
    const x = item.resources[r];
    const frac = x.quota ? x.used / x.quota : (x.used ? 1 : 0);
    return h('div', { class: 'quota-bar', 'data-resource': r, 'data-quota': x.quota, 'data-used': x.used },
      h('div', { class: 'small' }, t('res.' + r)),
      bar(frac, `${num(x.used, 1)} / ${withUnit(x.quota, r, 1)}`),
      h('div', { class: 'muted small' }, t('quota.headroom', { n: withUnit(x.headroom, r, 1) }),
        x.borrowed > 0 ? ' · ' + t('quota.borrowed', { n: withUnit(x.borrowed, r, 1) }) : '',
        x.lent > 0 ? ' · ' + t('quota.lent', { n: withUnit(x.lent, r, 1) }) : ''));
  }));
}

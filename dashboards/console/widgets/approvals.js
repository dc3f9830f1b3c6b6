/* An approval scope ('province', 'city:gy') in words: plans and quota requests both need them. */
import { t } from '../core/i18n.js';
import { cloudName } from '../core/session.js';

export function approvalLabel(key) {
  if (key === 'province') return t('approval.province');
  const [kind, cloud] = key.split(':');
  return t('approval.' + kind, { cloud: cloudName(cloud) });
}

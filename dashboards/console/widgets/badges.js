/* A state in words on a coloured badge: plans, clouds, drills, jobs, runs and the data platform's values. */
import { badge } from '../core/dom.js';
import { dpLabel, t } from '../core/i18n.js';

export const stateBadge = (state) => badge('state', state, t('state.' + state));
export const statusBadge = (status) => badge('status', status, t('status.' + status));
export const drillBadge = (st) => badge('drill', st, t('drill.state.' + st));
export const jobBadge = (st) => badge('job', st, t('job.state.' + st));
export const runBadge = (st) => badge('run', st, t('run.state.' + st));
export const dpBadge = (kind, v) => badge(kind, v, dpLabel(kind, v));

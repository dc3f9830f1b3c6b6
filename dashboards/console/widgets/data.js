/* The public data platform's shared pieces (docs/data-platform.md): catalog, sharing and open data are three
   modules hosted as tenants of the scheduler. The API decides who may do what; the console offers a form only
   to the roles the spec lets use it. */
import { all } from '../core/api.js';
import { h, markInvalid } from '../core/dom.js';
import { num } from '../core/format.js';
import { lang, t } from '../core/i18n.js';
import { COMPLIANCE_ROLES, isAuthority, isDeptAdmin, SHARE_ROLES } from '../core/roles.js';
import { Q, role } from '../core/session.js';

export const DP = {
  category: ['base', 'theme', 'department'],
  grade: ['general', 'important', 'core'],
  frequency: ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'],
  share: ['unconditional', 'conditional', 'none'],
  open: ['open', 'conditional', 'closed'],
  types: ['string', 'integer', 'decimal', 'date', 'datetime', 'boolean', 'binary'],
  sensitivity: ['none', 'personal', 'sensitive'],
  licences: ['CC-BY-4.0', 'CC0-1.0', 'ODC-BY-1.0'],
  formats: ['csv', 'json', 'xlsx', 'xml'],
  requestStates: ['pending-owner', 'pending-authority', 'approved', 'rejected'],
  targets: [{ year: 2024, target: 20000 }, { year: 2025, target: 25000 }],
};
export const PAGE_SIZE = 50;
export const deptName = (id, name) => (name && name !== id ? `${name} (${id})` : id || '–');
export const shortHash = (x) => (x ? h('code', { title: x, 'data-testid': 'signature' }, x.slice(0, 10) + '…') : '–');

// The departments the user may speak for (a department admin's own, with those under it) and every
// department's name: one read of /departments, kept until logout.
export async function loadDepartments() {
  if (!Q.depts || Q.depts.user !== (Q.me && Q.me.username)) {
    const items = await all('/departments');
    Q.depts = { user: Q.me && Q.me.username, items, ids: new Set(items.map((d) => d.id)) };
  }
  return Q.depts;
}
export const ownsEntry = (e) => isAuthority() || (isDeptAdmin() && Q.depts && Q.depts.ids.has(e.owner_department));
export const ownsDept = (id) => isDeptAdmin() && Q.depts && Q.depts.ids.has(id);
export const deptLabel = (d) => `${lang() === 'en' && d.name_en ? d.name_en : d.name} (${d.id})`;
export const deptNameOf = (id) => { const d = Q.depts && Q.depts.items.find((x) => x.id === id); return d ? (lang() === 'en' && d.name_en ? d.name_en : d.name) : null; };

// An error from the API under a form: its message, the field it names, and that field marked invalid.
export function errText(e) {
  if (!e || !e.detail) return String(e);
  if (e.status === 429) return t('dp.error.ratelimited', { s: e.retryAfter || '?' }) + ' ' + e.detail;
  return e.field && !String(e.detail).startsWith(e.field) ? t('dp.error.field', { field: e.field, message: e.detail }) : e.detail;
}
export function showError(box, form, e) {
  box.textContent = errText(e);
  box.hidden = false;
  if (form) markInvalid(form, e);
}

// The data platform's own menu: catalog, compliance, sharing, open data, the tenants.
export function subnav(active) {
  const items = [['catalog', '#/catalog'],
    COMPLIANCE_ROLES.includes(role()) ? ['compliance', '#/catalog/compliance'] : null,
    SHARE_ROLES.includes(role()) ? ['sharing', '#/sharing'] : null,
    ['opendata', '#/opendata'], ['platform', '#/platform']].filter(Boolean);
  return h('nav', { class: 'subnav', 'aria-label': t('nav.data') }, items.map(([k, href]) =>
    h('a', { href, class: 'chip', 'data-subnav': k, 'aria-current': k === active ? 'page' : null }, t('dp.sub.' + k))));
}

export function pager(page, total, size, hrefOf) {
  const pages = Math.max(1, Math.ceil((total || 0) / size));
  const nav = (label, p, disabled) => h('a', {
    class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null, href: disabled ? null : hrefOf(p),
  }, label);
  return h('div', { class: 'pager' },
    nav(t('audit.prev'), page - 1, page <= 1),
    h('span', { class: 'muted small', 'data-testid': 'pager-text' }, t('dp.page', { page: num(page), pages: num(pages), total: num(total) })),
    nav(t('audit.next'), page + 1, page >= pages));
}

/* The ten-working-day rule (#/catalog/compliance): changes not yet reflected in the catalog, per department. */
import { api } from '../core/api.js';
import { badge, card, errBox, forbidden, h, pageHead, statusLine, table, tile } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { COMPLIANCE_ROLES, SCAN_ROLES } from '../core/roles.js';
import { paint, route } from '../core/router.js';
import { Q, role } from '../core/session.js';
import { dpBadge } from '../widgets/badges.js';
import { deptName, showError, subnav } from '../widgets/data.js';

export async function pageCompliance(gen) {
  if (!COMPLIANCE_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.compliance'))); return; }
  const c = await api('/catalog/compliance');
  const err = errBox();
  const status = statusLine();
  const scan = SCAN_ROLES.includes(role()) ? h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'scan', onclick: async (ev) => {
    const b = ev.currentTarget;
    b.disabled = true; err.hidden = true; status.textContent = t('dp.scan.busy');
    try {
      const r = await api('/catalog/compliance/scan', { method: 'POST' });
      Q.dpFlash = t('dp.scan.done', { n: num(r && r.last_scan ? r.last_scan.overdue : (r && r.overdue !== undefined ? r.overdue : 0)) });
      route();
    } catch (x) { b.disabled = false; status.textContent = ''; showError(err, null, x); }
  } }, t('dp.scan')) : null;
  const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'scan-flash' }, Q.dpFlash || '');
  Q.dpFlash = null;
  const depts = c.departments || [];
  const overdue = depts.reduce((a, d) => a + (d.overdue || 0), 0);
  const pending = depts.reduce((a, d) => a + (d.pending || 0), 0);
  paint(gen,
    subnav('compliance'),
    pageHead(t('dp.compliance.title'), t('dp.change.rule')),  // the API's `rule` is English only
    flash,
    h('div', { class: 'tiles', 'data-testid': 'compliance-tiles' },
      tile(t('dp.compliance.today'), c.today || '–', c.calendar || null, 'compliance-today'),
      tile(t('dp.overdue'), num(overdue), t('dp.compliance.depts', { n: num(depts.filter((d) => d.overdue).length) }), 'compliance-overdue'),
      tile(t('dp.pending'), num(pending), null, 'compliance-pending'),
      tile(t('dp.compliance.lastscan'), c.last_scan ? when(c.last_scan.at) : t('dp.compliance.never'),
        c.last_scan ? t('dp.compliance.lastscan.overdue', { n: num(c.last_scan.overdue) }) : null, 'compliance-lastscan')),
    scan ? card(null, h('div', { class: 'actions' }, scan, status), err) : null,
    depts.length ? depts.map((d) => card(null, h('div', { 'data-testid': 'compliance-dept', 'data-department': d.department, 'data-overdue': d.overdue },
      h('h2', {}, deptName(d.department, d.name), ' ',
        d.overdue ? badge('chg', 'overdue', t('dp.compliance.n.overdue', { n: num(d.overdue) })) : null, ' ',
        d.pending ? badge('chg', 'pending', t('dp.compliance.n.pending', { n: num(d.pending) })) : null),
      (d.items || []).length ? table(deptName(d.department, d.name), [t('dp.code'), t('col.name'), t('dp.change.on'), t('dp.change.due'), t('col.state'), t('dp.late.days')],
        d.items.map((x) => h('tr', { 'data-testid': 'compliance-row', 'data-state': x.state },
          h('th', { scope: 'row' }, h('a', { href: `#/catalog/${x.entry_id}` }, x.code)),
          h('td', {}, x.name), h('td', { class: 'nowrap' }, x.changed_on), h('td', { class: 'nowrap' }, x.due_on),
          h('td', {}, dpBadge('chg', x.state)),
          h('td', { class: 'num' }, x.working_days_late ? h('strong', { class: 'text-danger' }, num(x.working_days_late)) : '–'))), { class: 'data' })
        : h('p', { class: 'muted' }, t('none')))))
      : card(null, h('p', { class: 'text-ok', 'data-testid': 'compliance-clean' }, '✓ ' + t('dp.compliance.clean'))));
}

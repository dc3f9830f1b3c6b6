/* Quotas (#/quotas): a department's quotas, usage and requests, and the form to ask for more (docs/quotas.md). */
import { API, api } from '../core/api.js';
import { card, h, markInvalid, pageHead, qfield, table } from '../core/dom.js';
import { UNITS, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { paint, route } from '../core/router.js';
import { cloudName, deptName, loadClouds, loadDeptNames, Q, role } from '../core/session.js';
import { approvalLabel } from '../widgets/approvals.js';
import { stateBadge } from '../widgets/badges.js';
import { deptLabel } from '../widgets/fleet.js';
import { amountText, QUOTA_RES, quotaBars, verdictBadge } from '../widgets/quotas.js';

function requestRows(items) {
  return items.map((q) => h('tr', { 'data-testid': 'request-row', 'data-id': q.id, 'data-state': q.state },
    h('th', { scope: 'row' }, `#${q.id}`),
    h('td', {}, deptLabel(q.department), h('div', { class: 'muted small' }, cloudName(q.cloud))),
    h('td', { class: 'small' }, amountText(q.amount)),
    h('td', {}, stateBadge(q.state)),
    h('td', {}, verdictBadge(q.feasibility)),
    h('td', { class: 'small' }, q.decision_reason ? `${q.decided_by}: ${q.decision_reason}` : (q.pending_approvals || []).map(approvalLabel).join(', ')),
    h('td', { class: 'small nowrap' }, when(q.created_at))));
}

async function downloadCsv() {
  const res = await fetch(API + '/quotas/usage?format=csv', { headers: { Authorization: 'Bearer ' + Q.token } });
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: 'quota-usage.csv' });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function requestForm(depts) {
  const cloudIds = Object.values(Q.clouds).filter((c) => c.kind !== 'backup').map((c) => c.id);
  const dept = h('select', { id: 'q-department' }, depts.map((d) => h('option', { value: d }, deptName(d) !== d ? `${deptName(d)} (${d})` : d)));
  const cloud = h('select', { id: 'q-cloud' }, cloudIds.map((c) => h('option', { value: c }, `${cloudName(c)} (${c})`)));
  const inputs = Object.fromEntries(QUOTA_RES.map((r) => [r, h('input', { id: 'q-' + r, type: 'number', min: '0', step: 'any', value: '0', inputmode: 'decimal' })]));
  const why = h('textarea', { id: 'q-justification', rows: '2' });
  const expires = h('input', { id: 'q-expires', type: 'date' });
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'request-quota' }, t('quota.submit'));
  const form = h('form', { 'data-testid': 'quota-request-form' },
    h('div', { class: 'form-grid' },
      qfield('q-department', t('col.department'), dept), qfield('q-cloud', t('col.cloud'), cloud),
      QUOTA_RES.map((r) => qfield('q-' + r, `${t('res.' + r)} (${UNITS[r]})`, inputs[r])),
      qfield('q-expires', t('quota.expires'), expires, t('quota.expires.hint'))),
    qfield('q-justification', t('quota.justification'), why),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const amount = Object.fromEntries(QUOTA_RES.map((r) => [r, Number(inputs[r].value || 0)]));
    const body = { department: dept.value, cloud: cloud.value, amount, justification: why.value.trim() };
    if (expires.value) body.expires_at = expires.value + 'T00:00:00+08:00';
    submit.disabled = true; err.hidden = true; status.textContent = t('quota.checking');
    try {
      const sent = await api('/quota-requests', { body });
      const f = sent.feasibility;
      Q.quotaFlash = t('quota.sent', { id: sent.id, verdict: f ? t('quota.verdict.' + f.verdict, { n: f.migrations }) : '–' });
      route();
    } catch (e) {
      err.textContent = e.detail || String(e); err.hidden = false; status.textContent = ''; submit.disabled = false;
      markInvalid(form, e.field && e.field.startsWith('amount.') ? { ...e, field: 'q-' + e.field.slice(7) } : { ...e, field: e.field ? 'q-' + e.field : null });
    }
  });
  return card(t('quota.form.title'), h('p', { class: 'muted' }, t('quota.form.desc')), form);
}

export async function pageQuotas(gen) {
  await Promise.all([loadClouds(), loadDeptNames()]);
  const [usage, reqs] = await Promise.all([api('/quotas/usage'), api('/quota-requests?limit=100')]);
  const depts = [...new Set([...(Q.me.scope && role() === 'department-admin' ? [Q.me.scope] : []), ...usage.items.map((i) => i.department)])];
  const rows = usage.items.map((i) => h('tr', { 'data-testid': 'quota-row', 'data-department': i.department, 'data-cloud': i.cloud, 'data-over': String(i.over_quota) },
    h('th', { scope: 'row' }, deptLabel(i.department), i.parent ? h('div', { class: 'muted small' }, t('quota.under', { p: deptName(i.parent) })) : null),
    h('td', {}, cloudName(i.cloud)),
    h('td', {}, quotaBars(i))));
  const flash = Q.quotaFlash ? h('div', { class: 'alert alert-ok', role: 'status', 'data-testid': 'form-success' }, Q.quotaFlash) : null;
  Q.quotaFlash = null;
  paint(gen,
    pageHead(t('quota.title'), t('quota.desc')),
    flash,
    card(t('quota.usage'), h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn', 'data-action': 'csv', onclick: downloadCsv }, t('quota.csv'))),
      rows.length ? table(t('quota.usage'), [t('col.department'), t('col.cloud'), t('quota.usage.col')], rows, { class: 'data', 'data-testid': 'quota-table' })
        : h('p', { class: 'muted' }, t('quota.none'))),
    role() === 'department-admin' || role() === 'province-operator' ? requestForm(depts) : null,
    card(t('quota.requests'), reqs.items.length
      ? table(t('quota.requests'), [t('col.id'), t('col.department'), t('quota.amount'), t('col.state'), t('quota.feasibility'), t('quota.decision'), t('col.created')],
        requestRows(reqs.items), { class: 'data', 'data-testid': 'requests-table' })
      : h('p', { class: 'muted' }, t('quota.requests.none'))));
}

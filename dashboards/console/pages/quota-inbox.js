/* The quota inbox (#/quota-inbox): the requests awaiting the user's decision. */
import { api } from '../core/api.js';
import { card, forbidden, h, pageHead, table } from '../core/dom.js';
import { when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint, route } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';
import { approvalLabel } from '../widgets/approvals.js';
import { amountText, verdictBadge } from '../widgets/quotas.js';

export async function pageInbox(gen) {
  if (!may.decideQuotas()) { paint(gen, forbidden(t('forbidden.inbox'))); return; }
  await loadClouds();
  const page = await api('/quota-requests?awaiting=me&limit=100');
  const rows = page.items.map((q) => {
    const reason = h('input', { class: 'reason', 'aria-label': t('quota.reason'), placeholder: t('quota.reason') });
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const act = async (what) => {
      if (what === 'reject' && !reason.value.trim()) { err.textContent = t('quota.reason.needed'); err.hidden = false; return; }
      try {
        await api(`/quota-requests/${q.id}/${what}`, { body: { reason: reason.value.trim() } });
        route();
      } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; }
    };
    return h('tr', { 'data-testid': 'inbox-row', 'data-id': q.id },
      h('th', { scope: 'row' }, `#${q.id}`),
      h('td', {}, q.department, h('div', { class: 'muted small' }, `${cloudName(q.cloud)} · ${q.requester}`)),
      h('td', { class: 'small' }, amountText(q.amount), q.expires_at ? h('div', { class: 'muted' }, t('quota.until', { d: when(q.expires_at) })) : null),
      h('td', { class: 'small' }, q.justification),
      h('td', {}, verdictBadge(q.feasibility)),
      h('td', { class: 'small' }, q.required_approvals.map((a) => h('div', {}, approvalLabel(a.key), a.approved_by ? ` ✓ ${a.approved_by}` : ''))),
      h('td', {}, reason,
        h('div', { class: 'form-actions' },
          h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve', onclick: () => act('approve') }, t('quota.approve')),
          h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'reject', onclick: () => act('reject') }, t('quota.reject'))),
        err));
  });
  paint(gen, pageHead(t('inbox.title'), t('inbox.desc')),
    card(null, rows.length ? table(t('inbox.title'), [t('col.id'), t('col.department'), t('quota.amount'), t('quota.justification'),
      t('quota.feasibility'), t('quota.approvers'), t('quota.decide')], rows, { class: 'data', 'data-testid': 'inbox-table' })
      : h('p', { class: 'muted', 'data-testid': 'inbox-empty' }, t('inbox.empty'))));
}

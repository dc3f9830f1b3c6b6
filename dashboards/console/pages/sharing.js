/* Sharing (#/sharing): requests for another department's data, their approvals and delivery, and the form. */
import { api, qs } from '../core/api.js';
import { badge, card, errBox, forbidden, h, pageHead, qfield, statusLine, table } from '../core/dom.js';
import { listOf, num, when } from '../core/format.js';
import { dpLabel, t, tx } from '../core/i18n.js';
import { isAuthority, isDeptAdmin, mayOpenJobSet, SHARE_ROLES } from '../core/roles.js';
import { current, paint, route } from '../core/router.js';
import { Q, role } from '../core/session.js';
import { dpBadge } from '../widgets/badges.js';
import { deptLabel, deptName, deptNameOf, DP, loadDepartments, ownsDept, shortHash, showError, subnav } from '../widgets/data.js';

export async function pageSharing(gen, params) {
  if (!SHARE_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.sharing'))); return; }
  const state = params.get('state') || '';
  const [list, depts] = await Promise.all([api('/sharing/requests' + qs({ state, limit: 200 })), loadDepartments()]);
  let preset = null;
  if (params.get('entry')) { try { preset = await api(`/catalog/entries/${encodeURIComponent(params.get('entry'))}`); } catch (_) { /* picked in the form */ } }
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('dp.share.filter') },
    ['', ...DP.requestStates].map((st) => h('a', {
      class: 'chip', href: '#/sharing' + qs({ state: st }), 'aria-current': st === state ? 'true' : null,
    }, st ? dpLabel('req', st) : t('plans.all'))));
  const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'share-flash' }, Q.dpFlash || '');
  Q.dpFlash = null;
  paint(gen,
    subnav('sharing'),
    pageHead(t('dp.sharing.title'), t('dp.sharing.desc')),
    flash,
    isDeptAdmin() ? shareForm(gen, depts, preset) : null,
    card(t('dp.share.requests'), chips,
      list.items.length ? table(t('dp.share.requests'), [t('col.id'), t('dp.entry'), t('dp.share.between'), t('dp.share.purpose'), t('col.state'),
        t('dp.share.approvals'), t('dp.share.delivery'), t('quota.decide')], list.items.map(shareRow), { class: 'data', 'data-testid': 'share-table' })
        : h('p', { class: 'muted', 'data-testid': 'share-empty' }, t('dp.share.empty'))),
    h('p', { class: 'muted small' }, t('dp.share.verify')));
}

function mayDecide(r) {
  if (r.state === 'pending-owner') return ownsDept(r.owner_department);
  if (r.state === 'pending-authority') return isAuthority();
  return false;
}

function shareRow(r) {
  const err = errBox();
  let decide = '–';
  if (mayDecide(r)) {
    const reason = h('input', { class: 'reason', name: 'reason', 'aria-label': t('quota.reason'), placeholder: t('quota.reason'), 'data-testid': 'share-reason' });
    const act = async (what) => {
      err.hidden = true;
      if (what === 'reject' && !reason.value.trim()) { err.textContent = t('quota.reason.needed'); err.hidden = false; reason.focus(); return; }
      try {
        await api(`/sharing/requests/${r.id}/${what}`, { body: { reason: reason.value.trim() } });
        Q.dpFlash = t('dp.done.' + what, { id: r.id });
        route();
      } catch (x) { showError(err, null, x); }
    };
    decide = h('div', {}, reason, h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve', onclick: () => act('approve') }, t('quota.approve')),
      h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'reject', onclick: () => act('reject') }, t('quota.reject'))), err);
  }
  const d = r.delivery;
  const jobLink = r.jobset_id ? (mayOpenJobSet('dp-sharing', null) ? h('a', { href: `#/jobs/${r.jobset_id}`, 'data-testid': 'jobset-link' }, t('dp.share.jobset', { id: r.jobset_id }))
    : h('span', { 'data-testid': 'jobset-link' }, t('dp.share.jobset', { id: r.jobset_id }))) : null;
  return h('tr', { 'data-testid': 'share-row', 'data-id': r.id, 'data-state': r.state, 'data-entry': r.entry_id },
    h('th', { scope: 'row' }, `#${r.id}`, h('div', { class: 'muted small nowrap' }, when(r.created_at))),
    h('td', {}, h('a', { href: `#/catalog/${r.entry_id}` }, r.entry_code), h('div', { class: 'small' }, r.entry_name),
      h('div', {}, dpBadge('share', r.share_attribute))),
    h('td', { class: 'small' }, h('div', {}, t('dp.share.from', { d: deptName(r.owner_department, deptNameOf(r.owner_department)) })),
      h('div', {}, t('dp.share.to', { d: deptName(r.requester_department, deptNameOf(r.requester_department)) })),
      h('div', { class: 'muted' }, r.requested_by)),
    h('td', { class: 'small' }, r.purpose, r.fields && r.fields.length ? h('div', { class: 'muted' }, t('dp.share.fields', { f: listOf(r.fields) })) : h('div', { class: 'muted' }, t('dp.share.allfields'))),
    h('td', {}, dpBadge('req', r.state)),
    h('td', { class: 'small' }, (r.approvals || []).length ? h('ul', { class: 'plain approvals' }, r.approvals.map((a) => h('li', { 'data-testid': 'share-approval', 'data-stage': a.stage, 'data-decision': a.decision },
      h('strong', {}, dpLabel('stage', a.stage)), ' · ', dpBadge('decision', a.decision), ' · ', a.username || t('dp.system.user'),
      h('div', { class: 'muted' }, when(a.at), a.reason ? ` · ${a.reason}` : ''),
      h('div', { class: 'muted' }, t('dp.share.signature'), ' ', shortHash(a.signature))))) : '–'),
    h('td', { class: 'small', 'data-testid': 'share-delivery', 'data-state': d ? d.state : '' },
      d ? h('div', {}, badge('run', d.state, tx('run.state.' + d.state, d.state)), h('div', { class: 'muted' }, t('dp.share.runs', { n: num(d.runs) })),
        d.last_anchor ? h('div', { class: 'muted' }, t('dp.share.last', { t: when(d.last_anchor) })) : null) : (r.state === 'approved' ? t('dp.share.scheduling') : '–'),
      jobLink),
    h('td', {}, decide));
}

// A department admin asks for another department's entry for one of their own departments.
function shareForm(gen, depts, preset) {
  const entry = h('select', { id: 's-entry', name: 'entry_id', required: true });
  const find = h('input', { id: 's-find', type: 'search', placeholder: t('dp.search.placeholder'), autocomplete: 'off' });
  const requester = h('select', { id: 's-requester', name: 'requester_department' }, depts.items.map((d) => h('option', { value: d.id }, deptLabel(d))));
  const purpose = h('textarea', { id: 's-purpose', name: 'purpose', rows: '2', required: true });
  const fieldsBox = h('div', { class: 'check-grid', 'data-testid': 'share-fields' });
  const hint = h('p', { class: 'small', 'data-testid': 'share-hint', 'aria-live': 'polite' });
  const err = errBox();
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit-share' }, t('dp.share.submit'));
  let entries = preset ? [preset] : [];
  const showEntry = () => {
    const e = entries.find((x) => String(x.id) === entry.value);
    fieldsBox.replaceChildren(...(e ? e.fields || [] : []).map((f) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'fields', value: f.name }), h('span', {}, h('code', {}, f.name), ' ', h('span', { class: 'muted small' }, f.description || '')))));
    hint.textContent = e ? t('dp.share.hint.' + e.share_attribute, { c: e.share_condition || '' }) : '';
    hint.className = 'small ' + (e && e.share_attribute === 'none' ? 'text-danger' : 'muted');
  };
  const fill = (items) => {
    entries = items;
    entry.replaceChildren(...(items.length ? items.map((e) => h('option', { value: e.id }, `${e.code} · ${e.name} · ${deptName(e.owner_department, e.owner_department_name)}`))
      : [h('option', { value: '' }, t('dp.catalog.empty'))]));
    showEntry();
  };
  const search = async () => {
    try {
      const page = await api('/catalog/entries' + qs({ q: find.value.trim(), limit: 100 }));
      if (current(gen)) fill(page.items.filter((e) => !ownsDept(e.owner_department)));
    } catch (x) { showError(err, null, x); }
  };
  if (preset) fill([preset]); else search();
  find.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); search(); } });
  entry.addEventListener('change', showEntry);
  const form = h('form', { 'data-testid': 'share-form', novalidate: true },
    h('div', { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: 's-find' }, t('dp.share.find')),
        h('div', { class: 'inline-form tight' }, find, h('button', { type: 'button', class: 'btn', 'data-action': 'find-entry', onclick: search }, t('dp.search.submit')))),
      qfield('s-entry', t('dp.entry'), entry),
      qfield('s-requester', t('dp.share.requester'), requester)),
    hint,
    qfield('s-purpose', t('dp.share.purpose'), purpose),
    h('fieldset', {}, h('legend', {}, t('dp.share.subset')), fieldsBox),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!entry.value) { err.textContent = t('dp.share.pick'); err.hidden = false; return; }
    const picked = [...fieldsBox.querySelectorAll('input:checked')].map((x) => x.value);
    const body = { entry_id: Number(entry.value), requester_department: requester.value, purpose: purpose.value.trim() };
    if (picked.length) body.fields = picked;
    submit.disabled = true; status.textContent = t('dp.saving');
    try {
      const r = await api('/sharing/requests', { body });
      Q.dpFlash = t('dp.done.request', { id: r.id, state: dpLabel('req', r.state) });
      location.hash = '#/sharing';
    } catch (x) { submit.disabled = false; status.textContent = ''; showError(err, form, x); }
  });
  return card(t('dp.share.form'), h('p', { class: 'muted' }, t('dp.share.form.desc')), form);
}

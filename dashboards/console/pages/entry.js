/* One catalog entry (#/catalog/{id}): its facts, actions for its owner, reported changes and objections. */
import { api } from '../core/api.js';
import { card, dl, errBox, h, pageHead, qfield, statusLine, table } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { dpLabel, t } from '../core/i18n.js';
import { isAuthority, isDeptAdmin } from '../core/roles.js';
import { current, paint, route } from '../core/router.js';
import { Q } from '../core/session.js';
import { dpBadge } from '../widgets/badges.js';
import { deptName, loadDepartments, ownsDept, ownsEntry, showError, subnav } from '../widgets/data.js';
import { entryForm } from '../widgets/entry-form.js';

export async function pageEntry(gen, _params, id) {
  const [e] = await Promise.all([api(`/catalog/entries/${id}`), loadDepartments()]);
  if (!current(gen)) return;
  const mine = ownsEntry(e);
  const fieldsTable = (e.fields || []).length
    ? table(t('dp.fields'), [t('dp.field.name'), t('dp.field.type'), t('dp.field.description'), t('dp.field.sensitivity')],
      e.fields.map((f) => h('tr', { 'data-testid': 'field-item', 'data-sensitivity': f.sensitivity }, h('th', { scope: 'row' }, h('code', {}, f.name)),
        h('td', {}, dpLabel('type', f.type)), h('td', { class: 'small' }, f.description || '–'),
        h('td', {}, dpBadge('sensitivity', f.sensitivity)))), { class: 'data' })
    : h('p', { class: 'muted' }, t('none'));
  const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'entry-flash' }, Q.dpFlash || '');
  Q.dpFlash = null;
  paint(gen,
    subnav('catalog'),
    pageHead(h('span', { 'data-testid': 'entry-title' }, h('code', { class: 'title-code' }, e.code), ' ', e.name),
      e.description || null, h('a', { href: '#/catalog', class: 'back' }, t('back.catalog'))),
    flash,
    card(null, h('div', { 'data-testid': 'entry-meta', 'data-version': e.version, 'data-published': String(!!e.published) }, dl(
      [t('dp.owner'), deptName(e.owner_department, e.owner_department_name)],
      [t('dp.system'), e.system || '–'],
      [t('dp.category'), dpLabel('category', e.category)],
      [t('dp.grade'), dpBadge('grade', e.grade)],
      [t('dp.frequency'), dpLabel('frequency', e.update_frequency)],
      [t('dp.format'), h('span', { 'data-testid': 'entry-format' }, dpLabel('format', e.data_format))],
      [t('dp.licence'), h('span', { 'data-testid': 'entry-licence' }, dpLabel('licence', e.licence))],
      e.published ? [t('dp.api'), h('span', {}, h('a', { href: `/api/v1/opendata/datasets/${encodeURIComponent(e.code)}`, 'data-testid': 'entry-api', target: '_blank', rel: 'noopener' },
        `/api/v1/opendata/datasets/${e.code}`), ' · ',
        h('a', { href: `/api/v1/opendata/datasets/${encodeURIComponent(e.code)}/fields.csv`, download: `${e.code}-fields.csv`, 'data-testid': 'entry-download' }, t('dp.dictionary')))] : null,
      [t('dp.return_flow'), e.return_flow ? t('dp.yes') : t('dp.no')],
      [t('dp.share'), h('span', {}, dpBadge('share', e.share_attribute), e.share_condition ? h('div', { class: 'small' }, e.share_condition) : null)],
      [t('dp.open'), h('span', {}, dpBadge('open', e.open_attribute), ' ',
        e.published ? h('span', { class: 'small text-ok', 'data-testid': 'published' }, '✓ ' + t('dp.published.at', { t: when(e.published_at) })) : h('span', { class: 'small muted' }, t('dp.unpublished')))],
      [t('col.state'), dpLabel('entrystate', e.state)],
      [t('dp.version'), num(e.version)],
      [t('col.created'), when(e.created_at)],
      [t('dp.updated'), when(e.updated_at)]))),
    entryActions(gen, e, mine),
    card(t('dp.fields'), fieldsTable),
    changesCard(gen, e, mine),
    objectionsCard(gen, e));
}

function entryActions(gen, e, mine) {
  const shareLink = isDeptAdmin() && !mine && e.share_attribute !== 'none'
    ? h('a', { class: 'btn', href: `#/sharing?entry=${e.id}`, 'data-action': 'request-share' }, t('dp.share.request')) : null;
  if (!mine) return shareLink ? card(t('dp.actions'), h('div', { class: 'actions' }, shareLink)) : null;
  const err = errBox();
  const status = statusLine();
  const edit = h('div', { hidden: true, 'data-testid': 'entry-edit' });
  const publishable = ['open', 'conditional'].includes(e.open_attribute);
  const publish = async (what) => {
    err.hidden = true;
    try {
      await api(`/opendata/${what}`, { body: { entry_id: e.id } });
      Q.dpFlash = t('dp.done.' + what);
      route();
    } catch (x) { showError(err, null, x); }
  };
  const bar_ = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'btn', 'data-action': 'edit-entry', 'aria-expanded': 'false', onclick: (ev) => {
      edit.hidden = !edit.hidden;
      ev.currentTarget.setAttribute('aria-expanded', String(!edit.hidden));
      if (!edit.hidden && !edit.firstChild) {
        edit.append(h('p', { class: 'muted small' }, t('dp.entry.edit.hint')), entryForm(e, Q.depts, () => { Q.dpFlash = t('dp.done.save'); route(); }));
      }
    } }, t('dp.entry.edit')),
    e.published
      ? h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'unpublish', onclick: () => {
        if (window.confirm(t('dp.confirm.unpublish', { code: e.code }))) publish('unpublish');
      } }, t('dp.unpublish'))
      : h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'publish', disabled: !publishable || e.state !== 'active',
        title: publishable ? null : t('dp.publish.closed'), onclick: () => publish('publish') }, t('dp.publish')),
    !publishable && !e.published ? h('span', { class: 'muted small' }, t('dp.publish.closed')) : null,
    shareLink, status);
  return card(t('dp.actions'), bar_, err, edit);
}

function changesCard(gen, e, mine) {
  const items = e.changes || [];
  let form = null;
  if (mine) {
    const day = h('input', { id: 'c-changed_on', name: 'changed_on', type: 'date', required: true, value: when(new Date().toISOString()).slice(0, 10) });  // today in Beijing
    const summary = h('input', { id: 'c-summary', name: 'summary', required: true, maxlength: '500', placeholder: t('dp.change.summary.placeholder') });
    const err = errBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'report-change' }, t('dp.change.report'));
    form = h('form', { 'data-testid': 'change-form', novalidate: true },
      h('h3', {}, t('dp.change.report')),
      h('div', { class: 'form-grid' }, qfield('c-changed_on', t('dp.change.on'), day), qfield('c-summary', t('dp.change.summary'), summary)),
      h('div', { class: 'form-actions' }, submit, h('small', { class: 'muted' }, t('dp.change.rule'))), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true; submit.disabled = true;
      try {
        const c = await api(`/catalog/entries/${e.id}/changes`, { body: { changed_on: day.value, summary: summary.value.trim() } });
        Q.dpFlash = t('dp.done.change', { due: c && c.due_on ? c.due_on : '–' });
        route();
      } catch (x) { submit.disabled = false; showError(err, form, x); }
    });
  }
  return card(t('dp.changes'),
    items.length ? table(t('dp.changes'), [t('dp.change.on'), t('dp.change.summary'), t('dp.change.due'), t('col.state'), t('dp.change.reflected'), t('dp.change.by')],
      items.map((c) => h('tr', { 'data-testid': 'change-row', 'data-state': c.state },
        h('th', { scope: 'row', class: 'nowrap' }, c.changed_on),
        h('td', { class: 'small' }, c.summary),
        h('td', { class: 'nowrap' }, c.due_on || '–'),
        h('td', {}, dpBadge('chg', c.state), c.late ? h('div', { class: 'small text-danger' }, t('dp.change.late')) : null),
        h('td', { class: 'small nowrap' }, when(c.reflected_at)),
        h('td', { class: 'small' }, c.reported_by || '–'))), { class: 'data', 'data-testid': 'changes-table' })
      : h('p', { class: 'muted', 'data-testid': 'changes-empty' }, t('dp.changes.none')),
    form);
}

function objectionsCard(gen, e) {
  const items = e.objections || [];
  const ownerAdmin = ownsDept(e.owner_department);
  const rows = items.map((o) => {
    const err = errBox();
    const acts = [];
    if (ownerAdmin && o.state === 'open') {
      const answer = h('textarea', { name: 'answer', rows: '2', 'aria-label': t('dp.objection.answer.label', { id: o.id }), 'data-testid': 'answer-text' });
      const f = h('form', { class: 'mini-form', 'data-testid': 'answer-form' }, answer,
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'answer' }, t('dp.objection.answer')));
      f.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (!answer.value.trim()) { err.textContent = t('dp.objection.answer.needed'); err.hidden = false; answer.focus(); return; }
        try { await api(`/catalog/objections/${o.id}/answer`, { body: { answer: answer.value.trim() } }); Q.dpFlash = t('dp.done.answer'); route(); } catch (x) { showError(err, f, x); }
      });
      acts.push(f);
    }
    if (isAuthority() && o.state === 'answered') {  // the owner answers before the authority closes
      const res = h('select', { name: 'resolution', 'aria-label': t('dp.objection.resolution'), 'data-testid': 'resolution' },
        ['upheld', 'dismissed'].map((r) => h('option', { value: r }, dpLabel('resolution', r))));
      const note = h('input', { name: 'note', 'aria-label': t('dp.objection.note'), placeholder: t('dp.objection.note'), 'data-testid': 'close-note' });
      const f = h('form', { class: 'mini-form', 'data-testid': 'close-form' }, res, note,
        h('button', { type: 'submit', class: 'btn', 'data-action': 'close-objection' }, t('dp.objection.close')));
      f.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try { await api(`/catalog/objections/${o.id}/close`, { body: { resolution: res.value, note: note.value.trim() } }); Q.dpFlash = t('dp.done.close'); route(); } catch (x) { showError(err, f, x); }
      });
      acts.push(f);
    }
    return h('tr', { 'data-testid': 'objection-row', 'data-id': o.id, 'data-state': o.state },
      h('th', { scope: 'row' }, `#${o.id}`, h('div', { class: 'muted small' }, dpLabel('source', o.source))),
      h('td', { class: 'small' }, o.field ? h('code', {}, o.field) : t('dp.objection.whole')),
      h('td', { class: 'small' }, h('div', { class: 'pre' }, o.text), h('div', { class: 'muted' }, `${o.raised_by || t('dp.public')} · ${when(o.created_at)}`)),
      h('td', {}, dpBadge('obj', o.state)),
      h('td', { class: 'small' },
        o.answer ? h('div', { 'data-testid': 'objection-answer' }, h('div', { class: 'pre' }, o.answer), h('div', { class: 'muted' }, `${o.answered_by || ''} · ${when(o.answered_at)}`)) : null,
        o.resolution ? h('div', { 'data-testid': 'objection-resolution' }, dpBadge('resolution', o.resolution), o.note ? ` ${o.note}` : '',
          h('div', { class: 'muted' }, `${o.closed_by || ''} · ${when(o.closed_at)}`)) : null,
        !o.answer && !o.resolution ? '–' : null),
      h('td', {}, acts, err));
  });
  // Anyone logged in may dispute the entry, naming one of its fields or the whole entry.
  const field = h('select', { id: 'o-field', name: 'field' }, h('option', { value: '' }, t('dp.objection.whole')),
    (e.fields || []).map((f) => h('option', { value: f.name }, f.name)));
  const text = h('textarea', { id: 'o-text', name: 'text', rows: '3', required: true, maxlength: '2000' });
  const err = errBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'raise-objection' }, t('dp.objection.raise'));
  const form = h('form', { 'data-testid': 'objection-form', novalidate: true },
    h('h3', {}, t('dp.objection.raise')),
    h('div', { class: 'form-grid' }, qfield('o-field', t('dp.objection.field'), field)),
    qfield('o-text', t('dp.objection.text'), text),
    h('div', { class: 'form-actions' }, submit), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!text.value.trim()) { err.textContent = t('dp.objection.text.needed'); err.hidden = false; text.focus(); return; }
    submit.disabled = true;
    try {
      await api(`/catalog/entries/${e.id}/objections`, { body: { field: field.value || null, text: text.value.trim() } });
      Q.dpFlash = t('dp.done.objection');
      route();
    } catch (x) { submit.disabled = false; showError(err, form, x); }
  });
  return card(t('dp.objections'),
    rows.length ? table(t('dp.objections'), [t('col.id'), t('dp.objection.field'), t('dp.objection.text'), t('col.state'), t('dp.objection.outcome'), t('dp.actions')],
      rows, { class: 'data', 'data-testid': 'objections-table' })
      : h('p', { class: 'muted', 'data-testid': 'objections-empty' }, t('dp.objections.none')),
    form);
}

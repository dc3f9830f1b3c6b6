/* Data-zone jobs (#/jobs, docs/jobs.md): the job sets in scope and the form to submit one. */
import { api } from '../core/api.js';
import { card, field, forbidden, h, markInvalid, pageHead, table, withCode } from '../core/dom.js';
import { listOf, mins, num, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { JOB_ROLES } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';
import { runBadge } from '../widgets/badges.js';

const JOB_EXAMPLE = `{
  "horizon": 600,
  "resources": {"vcpu": 16, "memory_gib": 64},
  "jobs": [
    {"id": "collect", "duration": 30, "demand": {"vcpu": 8, "memory_gib": 16}},
    {"id": "clean", "duration": 20, "demand": {"vcpu": 8}, "after": ["collect"], "deadline": 600},
    {"id": "publish", "duration": 5, "demand": {"vcpu": 2}, "after": ["clean"], "due": 120, "weight": 3}
  ]
}`;

export async function pageJobs(gen) {
  if (!JOB_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.jobs'))); return; }
  await loadClouds();
  const page = await api('/jobsets?limit=200');
  const rows = page.items.map((js) => h('tr', { 'data-testid': 'jobset-row', 'data-jobset': js.id },
    h('th', { scope: 'row' }, h('a', { href: `#/jobs/${js.id}` }, `#${js.id}`, js.name ? ' · ' : '',
      // a name its owner gave is a proper name; the service's own job sets come in the reader's language
      js.name ? h('span', { translate: js.name_text && js.name_text !== js.name ? null : 'no' }, js.name_text || js.name) : null)),
    h('td', {}, cloudName(js.cloud), js.clouds.length > 1 ? h('div', { class: 'muted small' }, t('jobs.fallback', { c: listOf(js.clouds.slice(1).map(cloudName)) })) : null),
    h('td', { class: 'small' }, js.department ? [js.department_name || js.department,
      js.department_name && js.department_name !== js.department ? h('span', { class: 'muted small id' }, ` ${js.department}`) : null] : '–'),
    h('td', { class: 'small' }, js.recurrence ? h('code', {}, js.recurrence) : t('jobs.once')),
    h('td', { class: 'num' }, num(js.jobs)),
    h('td', {}, js.run ? runBadge(js.run.state) : '–'),
    h('td', { class: 'num' }, js.run ? mins(js.run.makespan, 0) : '–'),
    h('td', { class: 'num' }, js.run ? num(js.run.replans) : '–'),
    h('td', { class: 'small nowrap' }, js.run ? when(js.run.anchor) : '–'),
    h('td', {}, js.owner)));
  paint(gen, pageHead(t('jobs.title'), t('jobs.desc')), jobForm(),
    card(t('jobs.list'), rows.length
      ? table(t('jobs.list'), [t('jobs.col.set'), t('col.cloud'), t('col.department'), t('jobs.recurrence'), t('jobs.col.jobs'),
        t('jobs.col.run'), t('jobs.col.makespan'), t('jobs.col.replans'), t('jobs.col.anchor'), t('jobs.col.owner')], rows,
      { class: 'data', 'data-testid': 'jobsets-table' })
      : h('p', { class: 'muted', 'data-testid': 'jobsets-empty' }, t('jobs.empty'))));
}

function jobForm() {
  const local = ['city-operator', 'industry-operator'].includes(role());
  const ids = local ? [Q.me.scope] : Object.values(Q.clouds).filter((c) => c.kind !== 'backup').map((c) => c.id);
  const name = h('input', { id: 'j-name', name: 'name', placeholder: t('jobs.name.placeholder'), maxlength: '200' });
  const cloud = h('select', { id: 'j-cloud', name: 'cloud' }, ids.map((c) => h('option', { value: c }, `${cloudName(c)} (${c})`)));
  const rec = h('input', { id: 'j-recurrence', name: 'recurrence', placeholder: '0 2 * * *', 'aria-describedby': 'j-recurrence-hint', autocomplete: 'off' });
  const dept = role() === 'department-admin' ? null
    : h('input', { id: 'j-department', name: 'department', placeholder: t('jobs.department.placeholder'), autocomplete: 'off' });
  const doc = h('textarea', { id: 'j-document', name: 'document', rows: '11', spellcheck: 'false', class: 'mono code-area', 'aria-describedby': 'j-document-hint' }, JOB_EXAMPLE);
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit-jobset' }, t('jobs.submit'));
  const form = h('form', { 'data-testid': 'jobset-form', novalidate: true },
    h('div', { class: 'form-grid' },
      field('j-name', t('jobs.name'), name),
      field('j-cloud', t('col.cloud'), cloud),
      field('j-recurrence', t('jobs.recurrence'), rec, t('jobs.recurrence.hint')),
      dept ? field('j-department', t('jobs.department'), dept) : null),
    field('j-document', t('jobs.document'), doc, withCode(t('jobs.document.hint'))),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    let body;
    try {
      body = JSON.parse(doc.value);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error(t('jobs.document.object'));
    } catch (e) {
      err.textContent = t('jobs.document.bad', { e: e.message }); err.hidden = false; doc.focus(); return;
    }
    body = { ...body, cloud: cloud.value, recurrence: rec.value.trim() || null };
    if (name.value.trim()) body.name = name.value.trim();
    if (dept && dept.value.trim()) body.department = dept.value.trim();
    submit.disabled = true; status.textContent = t('jobs.solving');
    try {
      const js = await api('/jobsets', { body });
      location.hash = `#/jobs/${js.id}`;
    } catch (e) {
      err.textContent = e.detail || String(e); err.hidden = false; status.textContent = ''; submit.disabled = false;
      markInvalid(form, e);
    }
  });
  return card(t('jobs.form.title'), h('p', { class: 'muted' }, t('jobs.form.desc')), form);
}

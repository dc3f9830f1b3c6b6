/* The catalog entry form, for a new entry and for editing one. */
import { api } from '../core/api.js';
import { errBox, h, qfield, selectOf, statusLine } from '../core/dom.js';
import { dpLabel, t } from '../core/i18n.js';
import { deptLabel, deptName, DP, showError } from './data.js';

// One form for both: POST a new entry, or PATCH the fields that changed with the version it read.
export function entryForm(e, depts, done) {
  const v = e || { category: 'department', grade: 'general', update_frequency: 'daily', share_attribute: 'conditional', open_attribute: 'closed', return_flow: false, licence: 'CC-BY-4.0', data_format: 'csv', fields: [] };
  const p = e ? 'ee-' : 'e-';
  const name = h('input', { id: p + 'name', name: 'name', required: true, maxlength: '200', value: v.name || '' });
  const desc = h('textarea', { id: p + 'description', name: 'description', rows: '2' }, v.description || '');
  const ownerIds = depts.items.map((d) => d.id);
  const owner = h('select', { id: p + 'owner_department', name: 'owner_department', disabled: !!e },
    (e && !ownerIds.includes(e.owner_department) ? [h('option', { value: e.owner_department }, deptName(e.owner_department, e.owner_department_name))] : []),
    depts.items.map((d) => h('option', { value: d.id, selected: d.id === v.owner_department }, deptLabel(d))));
  const system = h('input', { id: p + 'system', name: 'system', required: true, value: v.system || '', placeholder: t('dp.system.placeholder') });
  const category = selectOf(p + 'category', 'category', DP.category, (x) => dpLabel('category', x), v.category);
  const grade = selectOf(p + 'grade', 'grade', DP.grade, (x) => dpLabel('grade', x), v.grade);
  const freq = selectOf(p + 'update_frequency', 'update_frequency', DP.frequency, (x) => dpLabel('frequency', x), v.update_frequency);
  const share = selectOf(p + 'share_attribute', 'share_attribute', DP.share, (x) => dpLabel('share', x), v.share_attribute);
  const cond = h('textarea', { id: p + 'share_condition', name: 'share_condition', rows: '2', 'aria-describedby': p + 'share_condition-hint' }, v.share_condition || '');
  const open = selectOf(p + 'open_attribute', 'open_attribute', DP.open, (x) => dpLabel('open', x), v.open_attribute);
  const licence = selectOf(p + 'licence', 'licence', DP.licences, (x) => dpLabel('licence', x), v.licence);
  const format = selectOf(p + 'data_format', 'data_format', DP.formats, (x) => dpLabel('format', x), v.data_format);
  const ret = h('input', { id: p + 'return_flow', name: 'return_flow', type: 'checkbox', checked: !!v.return_flow });
  const state = e ? selectOf(p + 'state', 'state', ['active', 'retired'], (x) => dpLabel('entrystate', x), e.state) : null;
  const rowsBox = h('div', { class: 'field-rows', 'data-testid': 'field-rows' });
  const addRow = (f) => {
    const i = rowsBox.children.length;
    const row = h('div', { class: 'field-row', 'data-testid': 'field-row' },
      h('input', { name: `fields[${i}].name`, 'aria-label': t('dp.field.name.n', { n: i + 1 }), placeholder: t('dp.field.name'), value: (f && f.name) || '', 'data-part': 'name' }),
      selectOf(`${p}field-type-${i}`, `fields[${i}].type`, DP.types, (x) => dpLabel('type', x), (f && f.type) || 'string', { 'aria-label': t('dp.field.type.n', { n: i + 1 }), 'data-part': 'type' }),
      h('input', { name: `fields[${i}].description`, 'aria-label': t('dp.field.description.n', { n: i + 1 }), placeholder: t('dp.field.description'), value: (f && f.description) || '', 'data-part': 'description' }),
      // '' leaves the level to the service, which suggests one from the field's name (身份证号: sensitive)
      selectOf(`${p}field-sensitivity-${i}`, `fields[${i}].sensitivity`, ['', ...DP.sensitivity], (x) => (x ? dpLabel('sensitivity', x) : t('dp.sensitivity.auto')),
        (f && f.sensitivity) || '', { 'aria-label': t('dp.field.sensitivity.n', { n: i + 1 }), 'data-part': 'sensitivity' }),
      h('button', { type: 'button', class: 'btn btn-danger-outline', 'aria-label': t('dp.field.remove.n', { n: i + 1 }), onclick: () => { row.remove(); } }, '×'));
    rowsBox.append(row);
    return row;
  };
  (v.fields && v.fields.length ? v.fields : [null]).forEach(addRow);
  // The rows with a name, in order; their inputs renamed fields[i].* so an error the API names lands on them.
  const readFields = () => [...rowsBox.querySelectorAll('.field-row')].filter((r) => r.querySelector('[data-part=name]').value.trim())
    .map((r, i) => {
      ['name', 'type', 'description', 'sensitivity'].forEach((k) => { r.querySelector(`[data-part=${k}]`).name = `fields[${i}].${k}`; });
      const f = { name: r.querySelector('[data-part=name]').value.trim(), type: r.querySelector('[data-part=type]').value,
        description: r.querySelector('[data-part=description]').value.trim() };
      const level = r.querySelector('[data-part=sensitivity]').value;
      if (level) f.sensitivity = level;
      return f;
    });
  const status = statusLine();
  const err = errBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': e ? 'save-entry' : 'create-entry' }, t(e ? 'dp.entry.save' : 'dp.entry.create'));
  const form = h('form', { 'data-testid': e ? 'entry-edit-form' : 'entry-form', novalidate: true },
    h('div', { class: 'form-grid' },
      qfield(p + 'name', t('col.name'), name), qfield(p + 'owner_department', t('dp.owner'), owner),
      qfield(p + 'system', t('dp.system'), system), qfield(p + 'category', t('dp.category'), category),
      qfield(p + 'grade', t('dp.grade'), grade, t('dp.grade.hint')), qfield(p + 'update_frequency', t('dp.frequency'), freq),
      qfield(p + 'share_attribute', t('dp.share'), share), qfield(p + 'open_attribute', t('dp.open'), open),
      qfield(p + 'licence', t('dp.licence'), licence), qfield(p + 'data_format', t('dp.format'), format),
      state ? qfield(p + 'state', t('col.state'), state) : null),
    h('div', { class: 'form-grid' },
      qfield(p + 'description', t('dp.description'), desc),
      h('div', { class: 'field' }, h('label', { for: p + 'share_condition' }, t('dp.condition')), cond,
        h('small', { class: 'muted', id: p + 'share_condition-hint' }, t('dp.condition.hint')))),
    h('label', { class: 'check' }, ret, h('span', {}, t('dp.return_flow'), h('span', { class: 'muted small block' }, t('dp.return_flow.hint')))),
    h('fieldset', {}, h('legend', {}, t('dp.fields')),
      h('div', { class: 'field-row field-head', 'aria-hidden': 'true' },
        h('span', {}, t('dp.field.name')), h('span', {}, t('dp.field.type')), h('span', {}, t('dp.field.description')),
        h('span', {}, t('dp.field.sensitivity')), h('span', {})),
      rowsBox, h('p', { class: 'muted small' }, t('dp.sensitivity.hint')),
      h('button', { type: 'button', class: 'btn', 'data-action': 'add-field', onclick: () => { addRow(null).querySelector('input').focus(); } }, t('dp.field.add'))),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const body = {
      name: name.value.trim(), description: desc.value.trim(), owner_department: owner.value, system: system.value.trim(),
      category: category.value, grade: grade.value, update_frequency: freq.value, share_attribute: share.value,
      share_condition: cond.value.trim() || null, open_attribute: open.value, return_flow: ret.checked, fields: readFields(),
      licence: licence.value, data_format: format.value,
    };
    if (state) body.state = state.value;
    let out = body;
    if (e) {  // only what changed, and the version this form was filled from
      out = { version: e.version };
      Object.entries(body).forEach(([k, x]) => {
        if (k === 'owner_department') return;
        const was = e[k] === undefined ? null : e[k];
        if (JSON.stringify(k === 'fields' ? (was || []).map((f) => ({ name: f.name, type: f.type, description: f.description || '', sensitivity: f.sensitivity })) : (was === '' ? null : was))
          !== JSON.stringify(x === '' ? null : x)) out[k] = x;
      });
    }
    submit.disabled = true; status.textContent = t('dp.saving');
    try {
      const saved = await api(e ? `/catalog/entries/${e.id}` : '/catalog/entries', { method: e ? 'PATCH' : 'POST', body: out });
      done(saved);
    } catch (x) {
      status.textContent = ''; submit.disabled = false;
      if (x.status === 409 && e) x.detail = t('dp.entry.stale') + ' ' + x.detail;
      showError(err, form, x);
    }
  });
  return form;
}

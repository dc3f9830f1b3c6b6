/* Why (#/why/{workload}): the policy's explanation of where a workload may run. */
import { api } from '../core/api.js';
import { badge, card, errorBox, h, loading, pageHead, table } from '../core/dom.js';
import { withUnit } from '../core/format.js';
import { t, tx } from '../core/i18n.js';
import { current, paint } from '../core/router.js';
import { cloudName, loadClouds } from '../core/session.js';

export async function pageWhy(gen, _params, workload) {
  await loadClouds();
  const input = h('input', { id: 'why-workload', name: 'workload', list: 'why-options', value: workload || '',
    placeholder: 'w-000123', autocomplete: 'off', required: true });
  const options = h('datalist', { id: 'why-options' });
  const form = h('form', { class: 'inline-form', role: 'search' },
    h('label', { for: 'why-workload' }, t('why.workload')), input, options,
    h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'explain' }, t('why.submit')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (v) location.hash = `#/why/${encodeURIComponent(v)}`;
  });
  const out = h('div', {});
  paint(gen, pageHead(t('why.title'), t('why.desc')), card(null, form), out);
  api('/workloads?limit=500').then((pg) => {
    if (current(gen)) options.append(...pg.items.map((w) => h('option', { value: w.id }, w.name)));
  }).catch(() => {});
  if (!workload) return;
  out.replaceChildren(loading());
  const e = encodeURIComponent(workload);
  try {
    const [w, ex] = await Promise.all([api(`/workloads/${e}`), api(`/policy/explain?workload=${e}`)]);
    if (current(gen)) out.replaceChildren(whyResult(w, ex));
  } catch (err) {
    if (current(gen)) out.replaceChildren(errorBox(err));
  }
}

// A rule by the name operators use (分级管控, 等保等级 …), its id kept for the curious.
const ruleName = (k) => h('strong', { class: 'rule-name', title: k.rule, 'data-rule': k.rule }, k.rule_name || k.rule);

function whyResult(w, ex) {
  const item = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  const rows = ex.clouds.map((c) => h('tr', { 'data-testid': 'why-row', 'data-cloud': c.cloud, 'data-allowed': String(c.allowed) },
    h('th', { scope: 'row' }, cloudName(c.cloud), cloudName(c.cloud) !== c.cloud ? h('div', { class: 'muted small' }, c.cloud) : null),
    h('td', {}, c.allowed ? badge('verdict', 'yes', '✓ ' + t('why.allowed')) : badge('verdict', 'no', '✗ ' + t('why.denied'))),
    h('td', {},
      c.checks.filter((k) => !k.passed).map((k) => h('div', { class: 'rule-line' }, ruleName(k), ' ', k.text || k.message)),
      h('details', {}, h('summary', {}, t('why.checks')),
        h('ul', { class: 'checks' }, c.checks.map((k) => h('li', { class: k.passed ? 'text-ok' : 'text-danger' },
          `${k.passed ? '✓' : '✗'} `, ruleName(k), ` ${k.text || k.message}`)))))));
  return h('div', { 'data-testid': 'why-result' },
    card([`${w.id} · `, h('span', { translate: 'no', class: 'proper-name' }, w.name)], h('dl', { class: 'meta' },
      item(t('col.department'), w.department_name && w.department_name !== w.department
        ? [w.department_name, h('span', { class: 'muted small' }, ` (${w.department})`)] : w.department),
      item(t('col.tier'), [tx('tier.' + w.tier, w.tier), w.city ? tx('city.' + w.city, w.city) : null,
        w.industry ? tx('industry.' + w.industry, w.industry) : null].filter(Boolean).join(' · ')),
      item(t('col.classification'), `${tx('classification.' + w.classification, w.classification)} · ${t('why.mlps', { n: w.mlps_level })}`),
      item(t('why.current'), w.host ? `${cloudName(w.cloud)} · ${w.host}` : t('why.pending')),
      item(t('col.demand'), `${withUnit(w.demand.vcpu, 'vcpu', 1)} · ${withUnit(w.demand.memory_gib, 'memory_gib', 1)} · ${withUnit(w.demand.storage_gib, 'storage_gib')}`)),
    h('h3', {}, t('why.eligible')),
    h('div', { class: 'chips', 'data-testid': 'why-eligible' }, ex.eligible.length
      ? ex.eligible.map((c) => h('span', { class: 'chip chip-ok', 'data-cloud': c }, cloudName(c)))
      : h('span', { class: 'muted' }, t('why.none')))),
    card(null, table(t('why.title'), [t('col.cloud'), t('col.verdict'), t('col.why_detail')], rows, { class: 'data' })));
}

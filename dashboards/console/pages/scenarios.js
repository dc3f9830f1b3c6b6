/* What-if scenarios (#/scenarios, docs/whatif.md): the list, a form or YAML to ask one, and a pick of two to compare. */
import { api } from '../core/api.js';
import { card, errBox, field, forbidden, h, markInvalid, pageHead, selectOf, statusLine, table } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { PLAN_ROLES } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';

export const SCENARIO_CREATORS = ['province-operator', 'city-operator', 'industry-operator', 'dr-coordinator'];

export const stateBadge = (state) => h('span', { class: `badge scenario-${state}`, 'data-state': state }, t('scenario.state.' + state));

export async function pageScenarios(gen) {
  if (!PLAN_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.scenarios'))); return; }
  await loadClouds();
  const page = await api('/scenarios?limit=100');
  const rows = page.items.map((s) => h('tr', { 'data-testid': 'scenario-row', 'data-scenario': s.id, 'data-state': s.state },
    h('td', {}, h('input', { type: 'checkbox', name: 'compare', value: s.id, 'aria-label': t('scenario.pick', { id: s.id }) })),
    h('th', { scope: 'row' }, h('a', { href: `#/scenarios/${s.id}` }, `#${s.id} ${s.name}`)),
    h('td', {}, s.scope === 'all' ? t('scope.all') : cloudName(s.scope)),
    h('td', {}, stateBadge(s.state), s.state_reason ? h('div', { class: 'muted small' }, s.state_text || s.state_reason) : null),
    h('td', { class: 'num' }, s.headline ? `${num(s.headline.unplaced)} / ${num(s.headline.systems)}` : '–'),
    h('td', { class: 'num' }, s.headline ? `${num(s.headline.active_hosts)} (≥ ${num(s.headline.bound_hosts)})` : '–'),
    h('td', { class: 'num' }, s.headline && s.headline.priority1_systems !== null
      ? `${num(s.headline.priority1_within_rto)} / ${num(s.headline.priority1_systems)}` : '–'),
    h('td', { class: 'num' }, s.headline && s.headline.kw_after !== null ? `${num(s.headline.kw_before, 1)} → ${num(s.headline.kw_after, 1)}` : '–'),
    h('td', {}, s.creator), h('td', { class: 'small nowrap' }, when(s.created_at))));
  const compareErr = errBox();
  const compareBtn = h('button', { type: 'button', class: 'btn', 'data-action': 'compare' }, t('scenario.compare'));
  compareBtn.onclick = () => {
    const ids = [...document.querySelectorAll('input[name=compare]:checked')].map((x) => x.value);
    if (ids.length < 2 || ids.length > 4) { compareErr.textContent = t('scenario.compare.pick'); compareErr.hidden = false; return; }
    location.hash = `#/scenarios/compare?ids=${ids.join(',')}`;
  };
  paint(gen, pageHead(t('scenarios.title'), t('scenarios.desc')),
    SCENARIO_CREATORS.includes(role()) ? scenarioForm() : null,
    card(t('scenarios.list'), rows.length
      ? [table(t('scenarios.list'), ['', t('scenario.name'), t('scenario.scope'), t('col.state'), t('scenario.unplaced'),
        t('scenario.hosts'), t('scenario.p1'), t('scenario.kw'), t('scenario.creator'), t('col.created')], rows,
      { class: 'data', 'data-testid': 'scenarios-table' }), h('div', { class: 'form-actions' }, compareBtn), compareErr]
      : h('p', { class: 'muted', 'data-testid': 'scenarios-empty' }, t('scenarios.empty'))));
}

function scenarioForm() {
  const clouds = Object.values(Q.clouds);
  const scopes = Q.me.scope ? [Q.me.scope] : ['all', ...clouds.map((c) => c.id)];
  const hostClouds = Q.me.scope ? [Q.me.scope] : clouds.map((c) => c.id);
  const err = errBox();
  const status = statusLine();
  const input = (id, attrs) => h('input', { id, name: id, ...attrs });
  const form = h('form', { 'data-testid': 'scenario-form', novalidate: true },
    field('sc-name', t('scenario.name'), input('name', { id: 'sc-name', required: true, maxlength: 200 })),
    field('sc-scope', t('scenario.scope'), selectOf('sc-scope', 'scope', scopes, (v) => (v === 'all' ? t('scope.all') : cloudName(v)), scopes[0])),
    h('fieldset', {}, h('legend', {}, t('scenario.add_hosts')),
      field('sc-host-cloud', t('scenario.cloud'), selectOf('sc-host-cloud', 'host_cloud', hostClouds, cloudName, hostClouds[0])),
      field('sc-host-type', t('scenario.host_type'), input('host_type', { id: 'sc-host-type' }), t('scenario.host_type.hint')),
      field('sc-host-count', t('scenario.count'), input('host_count', { id: 'sc-host-count', type: 'number', min: 0, value: 0 }))),
    h('fieldset', {}, h('legend', {}, t('scenario.grow_cloud')),
      field('sc-grow-cloud', t('scenario.cloud'), selectOf('sc-grow-cloud', 'grow_cloud', hostClouds, cloudName, hostClouds[0])),
      field('sc-grow-share', t('scenario.share'), input('grow_share', { id: 'sc-grow-share', type: 'number', min: 0, step: 1, value: 0 }))),
    Q.me.scope ? null : h('fieldset', {}, h('legend', {}, t('scenario.lose_clouds')),
      h('div', { class: 'check-grid' }, clouds.filter((c) => c.kind !== 'backup').map((c) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'lose', value: c.id, 'data-cloud': c.id }), h('span', {}, cloudName(c.id)))))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'ask' }, t('scenario.ask')), status),
    err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (n) => form.querySelector(`[name=${n}]`).value;
    const changes = {};
    if (Number(v('host_count')) > 0) changes.add_hosts = [{ cloud: v('host_cloud'), type: v('host_type'), count: Number(v('host_count')) }];
    if (Number(v('grow_share')) !== 0) changes.grow_clouds = [{ cloud: v('grow_cloud'), share: Number(v('grow_share')) / 100 }];
    const lose = [...form.querySelectorAll('input[name=lose]:checked')].map((x) => x.value);
    if (lose.length) changes.lose_clouds = lose;
    await send(form, err, status, '/scenarios', { name: v('name'), scope: v('scope'), changes });
  });
  const yamlErr = errBox();
  const yamlStatus = statusLine();
  const yamlForm = h('form', { 'data-testid': 'scenario-yaml-form', novalidate: true },
    field('sc-yaml', t('scenario.yaml'), h('textarea', { id: 'sc-yaml', name: 'yaml', rows: 10, spellcheck: false, class: 'mono',
      placeholder: 'name: gz-gov down\nchanges:\n  lose_clouds: [gz-gov]\n  add_hosts:\n    - {cloud: gz-backup, type: H3C UniServer R4900 G5, count: 10}' }),
    t('scenario.yaml.hint')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', 'data-action': 'ask-yaml' }, t('scenario.ask')), yamlStatus),
    yamlErr);
  yamlForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await send(yamlForm, yamlErr, yamlStatus, '/scenarios/yaml', { yaml: yamlForm.querySelector('[name=yaml]').value });
  });
  return card(t('scenario.form.title'), h('p', { class: 'muted' }, t('scenario.form.desc')), form,
    h('h3', {}, t('scenario.yaml.title')), yamlForm);
}

async function send(form, err, status, path, body) {
  err.hidden = true;
  status.textContent = t('scenario.asking');
  try {
    const s = await api(path, { body });
    location.hash = `#/scenarios/${s.id}`;
  } catch (e) {
    err.textContent = e.detail || String(e); err.hidden = false; status.textContent = '';
    markInvalid(form, e);
  }
}

/* Plans (#/plans): the plans in scope, filtered by state, and the form to propose one. */
import { api } from '../core/api.js';
import { card, forbidden, h, pageHead, table } from '../core/dom.js';
import { num, when } from '../core/format.js';
import { lang, t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';
import { approvalLabel } from '../widgets/approvals.js';
import { stateBadge } from '../widgets/badges.js';

const STATES = ['proposed', 'approved', 'executing', 'paused', 'succeeded', 'failed', 'rolling back', 'rolled back',
  'rejected', 'cancelled', 'superseded'];

export async function pagePlans(gen, params) {
  if (!may.plans()) { paint(gen, forbidden(t('forbidden.plans', { role: t('role.' + role()) }))); return; }
  await loadClouds();
  const state = params.get('state');
  const page = await api('/plans?limit=200' + (state ? `&state=${encodeURIComponent(state)}` : ''));
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('plans.filter') },
    [null, ...STATES].map((st) => h('a', {
      class: 'chip', href: st ? `#/plans?state=${encodeURIComponent(st)}` : '#/plans',
      'aria-current': (st || null) === state ? 'true' : null,
    }, st ? t('state.' + st) : t('plans.all'))));
  const rows = page.items.map((p) => h('tr', { 'data-testid': 'plan-row', 'data-plan': p.id },
    h('th', { scope: 'row' }, h('a', { href: `#/plans/${p.id}` }, `#${p.id}`)),
    h('td', {}, t('planKind.' + p.kind)),
    h('td', {}, p.scope === 'all' ? t('plans.scope.all') : cloudName(p.scope)),
    h('td', { class: 'small' }, t('objective.' + p.objective)),
    h('td', {}, stateBadge(p.state)),
    h('td', { class: 'num' }, num(p.moves)),
    h('td', { class: 'num' }, `${num(p.stats.active_hosts)} / ${num(p.stats.lower_bound_hosts)}`),
    h('td', { class: 'small' }, p.pending_approvals.length ? p.pending_approvals.map(approvalLabel).join(lang() === 'en' ? ', ' : '、') : '–'),
    h('td', {}, p.proposer),
    h('td', { class: 'small' }, when(p.created_at))));
  paint(gen,
    pageHead(t('plans.title')),
    may.propose() ? proposeForm() : null,
    card(null, chips,
      rows.length ? table(t('plans.title'), [t('col.id'), t('col.plan_kind'), t('col.scope'), t('col.objective'), t('col.state'),
        t('col.moves'), t('col.active'), t('col.pending'), t('col.proposer'), t('col.created')], rows,
      { class: 'data', 'data-testid': 'plans-table' }) : h('p', { class: 'muted', 'data-testid': 'plans-empty' }, t('plans.empty'))));
}

function proposeForm() {
  const province = role() === 'province-operator';
  const scopes = province ? ['all', ...Object.keys(Q.clouds).sort()] : [Q.me.scope];
  const field = (id, label, control, hint) => h('div', { class: 'field' },
    h('label', { for: id }, label), control, hint ? h('small', { class: 'muted', id: id + '-hint' }, hint) : null);
  const kind = h('select', { id: 'p-kind', name: 'kind' },
    ['rebalance', 'drain', 'place-pending'].map((k) => h('option', { value: k }, t('planKind.' + k))));
  const scope = h('select', { id: 'p-scope', name: 'scope' },
    scopes.map((sc) => h('option', { value: sc }, sc === 'all' ? t('plans.scope.all') : `${cloudName(sc)} (${sc})`)));
  const objective = h('select', { id: 'p-objective', name: 'objective' },
    ['consolidate', 'balance'].map((o) => h('option', { value: o }, t('objective.' + o))));
  const budget = h('input', { id: 'p-budget', name: 'max_migrations', type: 'number', min: '0', step: '1', value: '10',
    inputmode: 'numeric', 'aria-describedby': 'p-budget-hint' });
  const hosts = h('input', { id: 'p-hosts', name: 'hosts', placeholder: 'gy-h0001, gy-h0002' });
  const hostsField = field('p-hosts', t('plans.hosts'), hosts);
  hostsField.hidden = true;
  kind.addEventListener('change', () => {
    hostsField.hidden = kind.value !== 'drain';
    budget.disabled = kind.value === 'place-pending';
  });
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'propose' }, t('plans.submit'));
  const form = h('form', { class: 'propose', 'data-testid': 'propose-form' },
    h('div', { class: 'form-grid' },
      field('p-kind', t('plans.kind'), kind),
      field('p-scope', t('plans.scope'), scope),
      field('p-objective', t('plans.objective'), objective),
      field('p-budget', t('plans.budget'), budget, t('plans.budget.hint')),
      hostsField),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { kind: kind.value, scope: scope.value, objective: objective.value };
    if (kind.value !== 'place-pending' && budget.value !== '') body.max_migrations = Number(budget.value);
    if (kind.value === 'drain') body.hosts = hosts.value.split(/[\s,，]+/).filter(Boolean);
    submit.disabled = true;
    err.hidden = true;
    status.textContent = t('plans.solving');
    try {
      const plan = await api('/plans', { method: 'POST', body });
      location.hash = `#/plans/${plan.id}`;
    } catch (e) {
      err.textContent = e.detail || String(e);
      err.hidden = false;
      status.textContent = '';
      submit.disabled = false;
    }
  });
  return card(t('plans.propose'), h('p', { class: 'muted' }, t('plans.propose.desc')), form);
}

/* Accounts (#/users), for the system administrator (系统管理员): every account, a form to add one, and per
   account disable or enable and a reset (a new password handed over apart, the second factor forgotten).
   The three powers (accounts, security policy, audit) are granted on the command line only: their rows
   have no buttons here, and the API refuses them anyway. */
import { all, api } from '../core/api.js';
import { badge, card, errBox, field, forbidden, h, markInvalid, pageHead, selectOf, table } from '../core/dom.js';
import { when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint, route } from '../core/router.js';
import { cloudName, loadClouds, Q } from '../core/session.js';

const POWERS = ['system-admin', 'security-admin', 'auditor'];
const GRANTABLE = ['province-operator', 'city-operator', 'industry-operator', 'department-admin', 'dr-coordinator', 'data-authority'];
const SCOPE_KIND = { 'city-operator': 'city', 'industry-operator': 'industry', 'department-admin': 'department' };

function createForm(clouds, depts) {
  const err = errBox();
  const scope = h('select', { id: 'u-scope', name: 'scope' });
  const role = selectOf('u-role', 'role', GRANTABLE, (r) => t('role.' + r), 'city-operator');
  const fillScopes = () => {
    const kind = SCOPE_KIND[role.value];
    const options = kind === 'department' ? depts.map((d) => [d.id, `${d.name} (${d.id})`])
      : kind ? Object.values(clouds).filter((c) => c.kind === kind).map((c) => [c.id, cloudName(c.id)]) : [];
    scope.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)));
    scope.disabled = !kind;
  };
  role.addEventListener('change', fillScopes);
  fillScopes();
  const form = h('form', { class: 'form-grid', 'data-testid': 'user-form', novalidate: true },
    field('u-name', t('login.username'), h('input', { id: 'u-name', name: 'username', autocomplete: 'off', required: true }), t('users.name.hint')),
    field('u-role', t('account.role'), role),
    field('u-scope', t('account.scope'), scope),
    field('u-password', t('users.password'), h('input', { id: 'u-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true }), t('account.pw.rules')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('users.create'))), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const body = { username: form.username.value.trim(), role: role.value, password: form.password.value };
    if (!scope.disabled) body.scope = scope.value;
    try {
      await api('/users', { body });
      Q.dpFlash = t('users.created', { u: body.username });
      route();
    } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; markInvalid(form, e); }
  });
  return form;
}

function resetForm(u, err) {
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', 'aria-label': t('users.password'), placeholder: t('users.password') });
  const factor = h('input', { type: 'checkbox', name: 'second_factor', id: `rf-${u.username}` });
  const form = h('form', { class: 'inline-form tight', 'data-testid': 'reset-form', hidden: true },
    pw, h('label', { class: 'small nowrap', for: `rf-${u.username}` }, factor, ' ', t('users.reset.factor')),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('users.reset.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { second_factor: factor.checked };
    if (pw.value) body.password = pw.value;
    try {
      await api(`/users/${encodeURIComponent(u.username)}/reset`, { body });
      Q.dpFlash = t('users.reset.done', { u: u.username });
      route();
    } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; }
  });
  return form;
}

function row(u) {
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const power = POWERS.includes(u.role);
  const own = Q.me && u.username === Q.me.username;
  const toggle = async () => {
    try {
      await api(`/users/${encodeURIComponent(u.username)}`, { method: 'PATCH', body: { disabled: !u.disabled } });
      Q.dpFlash = t(u.disabled ? 'users.enabled' : 'users.disabled.done', { u: u.username });
      route();
    } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; }
  };
  const reset = resetForm(u, err);
  const actions = power || own ? h('span', { class: 'muted small' }, t(own ? 'users.own' : 'users.power'))
    : h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: u.disabled ? 'btn' : 'btn btn-danger-outline', 'data-action': u.disabled ? 'enable' : 'disable', onclick: toggle },
        t(u.disabled ? 'users.enable' : 'users.disable')),
      h('button', { type: 'button', class: 'btn', 'data-action': 'reset', onclick: () => { reset.hidden = !reset.hidden; } }, t('users.reset')));
  return h('tr', { 'data-testid': 'user-row', 'data-user': u.username, 'data-disabled': String(u.disabled) },
    h('th', { scope: 'row' }, u.username),
    h('td', {}, t('role.' + u.role)),
    h('td', { class: 'small' }, u.scope || '–'),
    h('td', {}, u.second_factor ? '✓' : '–'),
    h('td', {}, u.disabled ? badge('state', 'failed', t('users.disabled')) : badge('state', 'succeeded', t('users.active'))),
    h('td', { class: 'small nowrap' }, when(u.created_at)),
    h('td', {}, actions, reset, err));
}

export async function pageUsers(gen) {
  if (!may.users()) { paint(gen, forbidden(t('forbidden.users'))); return; }
  const [users, clouds, depts] = await Promise.all([all('/users'), loadClouds(), all('/departments')]);
  const flash = Q.dpFlash;
  Q.dpFlash = null;
  paint(gen, pageHead(t('users.title'), t('users.desc')),
    flash ? h('div', { class: 'alert alert-ok', role: 'status', 'data-testid': 'flash' }, flash) : null,
    card(t('users.new'), createForm(clouds, depts)),
    card(null, table(t('users.title'), [t('login.username'), t('account.role'), t('account.scope'), t('users.factor'),
      t('users.state'), t('users.created_at'), t('users.actions')], users.map(row), { class: 'data', 'data-testid': 'users-table' })));
}

/* My account (#/account): who is logged in, the second factor (enrol one here, with its QR code, when
   there is none; a lost one is reset by the system administrator), a new password, and logging out. */
import { api, API, ApiError } from '../core/api.js';
import { card, dl, errBox, field, h, markInvalid, pageHead } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { paint } from '../core/router.js';
import { logout, Q } from '../core/session.js';
import { enrolBox } from '../widgets/totp.js';

function factorCard(me) {
  if (me.second_factor) {
    return card(t('account.factor'), h('p', { 'data-testid': 'factor-state', 'data-enrolled': 'true' }, '✓ ' + t('account.factor.on')),
      h('p', { class: 'muted small' }, t('account.factor.lost')));
  }
  const slot = h('div', {});
  const start = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'enrol', onclick: () => {
    start.hidden = true;
    slot.replaceChildren(enrolBox((path, body) => api(path, { method: 'POST', body }),
      // confirming ends every session of the user: log in again, now with a code
      () => h('button', { type: 'button', class: 'btn btn-primary btn-block', 'data-action': 'relogin',
        onclick: () => logout(t('account.factor.relogin')) }, t('login.enrol.again'))));
  } }, t('account.factor.enrol'));
  return card(t('account.factor'), h('p', { 'data-testid': 'factor-state', 'data-enrolled': 'false' }, t('account.factor.off')),
    start, slot);
}

// The password change proves itself (old password, code): sent without the login, so a wrong old password
// (401) is an error on this form, never taken for an expired session.
async function unauthenticated(path, body) {
  const res = await fetch(API + path, { method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
  if (res.ok) return;
  const data = await res.json().catch(() => null);
  throw new ApiError(res.status, (data && data.detail) || res.statusText, data && data.field, res.headers.get('Retry-After'));
}

function passwordCard(me) {
  const err = errBox();
  const input = (id, name, type, auto) => h('input', { id, name, type, autocomplete: auto, required: true });
  const form = h('form', { class: 'form-grid', 'data-testid': 'password-form', novalidate: true },
    field('pw-old', t('account.pw.old'), input('pw-old', 'password', 'password', 'current-password')),
    field('pw-new', t('account.pw.new'), input('pw-new', 'new_password', 'password', 'new-password'), t('account.pw.rules')),
    me.second_factor ? field('pw-otp', t('login.otp'), h('input', { id: 'pw-otp', name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code' })) : null,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('account.pw.submit'))), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const body = { username: me.username, password: form.password.value, new_password: form.new_password.value };
    if (form.otp && form.otp.value.trim()) body.otp = form.otp.value.trim();
    try {
      await unauthenticated('/auth/password', body);
      logout(t('account.pw.done'));  // every session of the user ended with the change
    } catch (e) {
      err.textContent = e.detail || String(e); err.hidden = false; markInvalid(form, e);
    }
  });
  return card(t('account.pw'), form);
}

export async function pageAccount(gen) {
  const me = await api('/me');
  paint(gen, pageHead(t('account.title'), t('account.desc')),
    card(null, dl([t('login.username'), me.username], [t('account.role'), t('role.' + me.role)],
      me.scope ? [t('account.scope'), me.scope] : null),
    h('button', { type: 'button', class: 'btn', 'data-action': 'logout', onclick: () => logout() }, t('logout'))),
    factorCard(me), passwordCard(me));
  if (Q.me) Q.me.second_factor = me.second_factor;
}

/* Log in (#/login): password and, where the account has a second factor, the one-time code; a role
   that needs a second factor but has none enrols one here (QR code, secret, recovery codes once). */
import { api, API } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { paint } from '../core/router.js';
import { home } from '../core/roles.js';
import { keep, Q } from '../core/session.js';
import { enrolBox } from '../widgets/totp.js';

// The enrolment calls carry the enrolment-only token themselves: it is never the console's login.
async function withToken(token, path, body) {
  const res = await fetch(API + path, { method: 'POST', body: body ? JSON.stringify(body) : undefined,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', Accept: 'application/json' } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error((data && data.detail) || res.statusText), { status: res.status, detail: data && data.detail });
  return data;
}

function enrolCard(gen, token) {
  return enrolBox((path, body) => withToken(token, path, body),
    () => h('a', { href: '#/login', class: 'btn btn-primary btn-block', onclick: () => pageLogin(gen) }, t('login.enrol.again')));
}

export function pageLogin(gen) {
  const msg = h('div', { class: 'alert alert-error', role: 'alert', hidden: !Q.flash }, Q.flash || '');
  Q.flash = null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
  const otp = h('input', { id: 'otp', name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const form = h('form', { class: 'login-form', novalidate: true },
    h('label', { for: 'username' }, t('login.username')),
    h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true }),
    h('label', { for: 'password' }, t('login.password')),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('label', { for: 'otp' }, t('login.otp')), otp,
    h('p', { class: 'small muted' }, t('login.otp.hint')),
    msg, submit);
  const card = h('section', { class: 'card login-card', 'aria-labelledby': 'login-title' },
    h('div', { class: 'login-brand', 'aria-hidden': 'true' }, '黔云'),
    h('h1', { id: 'login-title' }, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    form,
    h('p', { class: 'login-public small' }, h('a', { href: '/console/open.html', 'data-testid': 'public-link' }, t('login.public'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    submit.textContent = t('login.busy');
    msg.hidden = true;
    try {
      const fields = { username: form.username.value.trim(), password: form.password.value };
      if (otp.value.trim()) fields.otp = otp.value.trim();
      const tok = await api('/auth/token', { method: 'POST', body: new URLSearchParams(fields) });
      if (tok.enrolment_required) {
        card.replaceChildren(h('h1', { id: 'login-title' }, t('login.enrol.title')), enrolCard(gen, tok.access_token));
        return;
      }
      keep(tok);
      Q.me = await api('/me');
      keep(tok, Q.me);
      location.hash = home();
    } catch (err) {
      if (err.status === 401 && err.field === 'otp') {
        msg.textContent = otp.value.trim() ? t('login.otp.wrong') : t('login.otp.needed');
        otp.focus();
      } else if (err.status === 429) {
        msg.textContent = t('login.locked', { s: err.retryAfter || '?' });
      } else {
        msg.textContent = err.status === 401 ? t('login.failed') : (err.detail || String(err));
      }
      msg.hidden = false;
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });
  paint(gen, h('div', { class: 'login-wrap' }, card));
}

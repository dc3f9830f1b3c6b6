/* Log in (#/login): password and, where the account has a second factor, the one-time code; a role
   that needs a second factor but has none enrols one here (secret, otpauth URI, recovery codes once). */
import { api, API } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { paint } from '../core/router.js';
import { keep, Q } from '../core/session.js';

// The enrolment calls carry the enrolment-only token themselves: it is never the console's login.
async function withToken(token, path, body) {
  const res = await fetch(API + path, { method: 'POST', body: body ? JSON.stringify(body) : undefined,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', Accept: 'application/json' } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error((data && data.detail) || res.statusText), { status: res.status });
  return data;
}

function enrolCard(gen, token) {
  const box = h('div', { 'data-testid': 'enrol' }, h('p', { class: 'muted' }, t('login.enrol.busy')));
  withToken(token, '/auth/totp/enrol').then((e) => {
    const msg = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const code = h('input', { id: 'enrol-otp', name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code', required: true });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.enrol.confirm'));
    const form = h('form', { class: 'login-form', novalidate: true },
      h('p', {}, t('login.enrol.intro')),
      h('label', {}, t('login.enrol.secret')),
      h('code', { class: 'enrol-secret', 'data-testid': 'enrol-secret' }, e.secret),
      h('p', { class: 'small' }, h('a', { href: e.otpauth_uri, 'data-testid': 'enrol-uri' }, t('login.enrol.uri'))),
      h('label', { for: 'enrol-otp' }, t('login.otp')), code, msg, submit);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        const r = await withToken(token, '/auth/totp/confirm', { otp: code.value.trim() });
        box.replaceChildren(h('p', {}, t('login.enrol.done')),
          h('ol', { class: 'recovery-codes', 'data-testid': 'recovery-codes' }, ...r.recovery_codes.map((c) => h('li', {}, h('code', {}, c)))),
          h('a', { href: '#/login', class: 'btn btn-primary btn-block', onclick: () => pageLogin(gen) }, t('login.enrol.again')));
      } catch (err) {
        msg.textContent = err.message; msg.hidden = false; submit.disabled = false;
      }
    });
    box.replaceChildren(form);
  }).catch((err) => box.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert' }, err.message)));
  return box;
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
      location.hash = '#/overview';
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

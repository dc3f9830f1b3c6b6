/* Log in (#/login). */
import { api } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { paint } from '../core/router.js';
import { Q } from '../core/session.js';

export function pageLogin(gen) {
  const msg = h('div', { class: 'alert alert-error', role: 'alert', hidden: !Q.flash }, Q.flash || '');
  Q.flash = null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
  const form = h('form', { class: 'login-form', novalidate: true },
    h('label', { for: 'username' }, t('login.username')),
    h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true }),
    h('label', { for: 'password' }, t('login.password')),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    msg, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    submit.textContent = t('login.busy');
    msg.hidden = true;
    try {
      const body = new URLSearchParams({ username: form.username.value.trim(), password: form.password.value });
      const tok = await api('/auth/token', { method: 'POST', body });
      Q.token = tok.access_token;
      Q.me = await api('/me');
      sessionStorage.setItem('qianyun.token', Q.token);
      sessionStorage.setItem('qianyun.me', JSON.stringify(Q.me));
      location.hash = '#/overview';
    } catch (err) {
      msg.textContent = err.status === 401 ? t('login.failed') : (err.detail || String(err));
      msg.hidden = false;
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });
  paint(gen, h('div', { class: 'login-wrap' },
    h('section', { class: 'card login-card', 'aria-labelledby': 'login-title' },
      h('div', { class: 'login-brand', 'aria-hidden': 'true' }, '黔云'),
      h('h1', { id: 'login-title' }, t('login.title')),
      h('p', { class: 'muted' }, t('login.intro')),
      form,
      h('p', { class: 'login-public small' }, h('a', { href: '/console/open.html', 'data-testid': 'public-link' }, t('login.public'))))));
}

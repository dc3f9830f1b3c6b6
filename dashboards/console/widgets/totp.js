/* Enrolling a second factor (TOTP): the QR code the server draws (an SVG, shown as a data: image, so
   the strict CSP holds and nothing loads from outside), the secret to type in, the code that confirms
   it, then the recovery codes, shown this once. Used by the login page (with the enrolment-only token)
   and the account page (with the login). `post(path, body)` makes the call. */
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';

export const qrImage = (svg) => h('img', {
  class: 'totp-qr', 'data-testid': 'enrol-qr', width: 200, height: 200, alt: t('totp.qr.alt'),
  src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg),
});

export function enrolBox(post, done) {
  const box = h('div', { 'data-testid': 'enrol' }, h('p', { class: 'muted' }, t('login.enrol.busy')));
  post('/auth/totp/enrol').then((e) => {
    const msg = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const code = h('input', { id: 'enrol-otp', name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code', required: true });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.enrol.confirm'));
    const form = h('form', { class: 'login-form totp-form', novalidate: true },
      h('p', {}, t('login.enrol.intro')),
      h('figure', { class: 'totp-figure' }, qrImage(e.qr_svg), h('figcaption', { class: 'small muted' }, t('totp.qr.caption'))),
      h('label', {}, t('login.enrol.secret')),
      h('code', { class: 'enrol-secret', 'data-testid': 'enrol-secret' }, e.secret),
      h('p', { class: 'small' }, h('a', { href: e.otpauth_uri, 'data-testid': 'enrol-uri' }, t('login.enrol.uri'))),
      h('label', { for: 'enrol-otp' }, t('login.otp')), code, msg, submit);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        const r = await post('/auth/totp/confirm', { otp: code.value.trim() });
        box.replaceChildren(h('p', {}, t('login.enrol.done')),
          h('ol', { class: 'recovery-codes', 'data-testid': 'recovery-codes' }, ...r.recovery_codes.map((c) => h('li', {}, h('code', {}, c)))),
          done());
      } catch (err) {
        msg.textContent = err.detail || err.message; msg.hidden = false; submit.disabled = false;
      }
    });
    box.replaceChildren(form);
    code.focus();
  }).catch((err) => box.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert' }, err.detail || err.message)));
  return box;
}

/* The site policy (#/site-policy), for the security administrator (安全管理员): the YAML that overrides
   the shipped policy, edited here and checked by the API exactly as the policy file is at start-up (a
   mistake is refused with its line and field, and nothing changes); every change is audited with its
   difference. Beside it, the sign-in rules now in force. */
import { api } from '../core/api.js';
import { card, dl, errBox, forbidden, h, pageHead } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { may } from '../core/roles.js';
import { paint, route } from '../core/router.js';
import { Q } from '../core/session.js';

function inForce(auth) {
  const lock = auth.lockout || {}, sessions = auth.sessions || {}, pw = auth.password || {};
  return card(t('site.inforce'), dl(
    [t('site.factor_roles'), h('span', { 'data-testid': 'factor-roles' },
      (auth.second_factor_roles || []).length ? auth.second_factor_roles.map((r) => t('role.' + r)).join('、') : t('site.none'))],
    [t('site.lockout'), t('site.lockout.v', { n: lock.failures, w: lock.window_s, l: lock.lock_s })],
    [t('site.sessions'), t('site.sessions.v', { a: sessions.access_minutes, r: sessions.refresh_minutes, i: sessions.idle_minutes })],
    [t('site.password'), t('site.password.v', { n: pw.min_length, c: pw.min_classes, h: pw.history })]));
}

export async function pageSitePolicy(gen) {
  if (!may.sitePolicy()) { paint(gen, forbidden(t('forbidden.site'))); return; }
  const [site, policy] = await Promise.all([api('/policy/site'), api('/policy')]);
  const flash = Q.dpFlash;
  Q.dpFlash = null;
  const err = errBox();
  const text = h('textarea', { id: 'site-yaml', name: 'yaml', rows: 22, spellcheck: 'false', class: 'mono code-area', 'aria-describedby': 'site-yaml-hint' });
  text.value = site.yaml;
  const form = h('form', { 'data-testid': 'site-form', novalidate: true },
    h('label', { for: 'site-yaml' }, t('site.yaml')), text,
    h('small', { class: 'muted', id: 'site-yaml-hint' }, t('site.yaml.hint')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('site.save'))), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    try {
      await api('/policy/site', { method: 'PUT', body: { yaml: text.value } });
      Q.dpFlash = t('site.saved');
      route();
    } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; text.setAttribute('aria-invalid', 'true'); text.focus(); }
  });
  paint(gen, pageHead(t('site.title'), t('site.desc')),
    flash ? h('div', { class: 'alert alert-ok', role: 'status', 'data-testid': 'flash' }, flash) : null,
    card(null, form), inForce(policy.auth || {}));
}

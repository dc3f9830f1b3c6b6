/* DR drills (#/drills, docs/drills.md): the form to start one and the history. */
import { api } from '../core/api.js';
import { card, forbidden, h, markInvalid, pageHead, table } from '../core/dom.js';
import { listOf, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { DRILL_ROLES } from '../core/roles.js';
import { paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';
import { drillBadge, statusBadge } from '../widgets/badges.js';

export async function pageDrills(gen) {
  if (!DRILL_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.drills'))); return; }
  await loadClouds();
  const page = await api('/drills?limit=100');
  const rows = page.items.map((d) => h('tr', { 'data-testid': 'drill-row', 'data-drill': d.id, 'data-state': d.state },
    h('th', { scope: 'row' }, h('a', { href: `#/drills/${d.id}` }, `#${d.id}`)),
    h('td', {}, t('drill.mode.' + d.mode)),
    h('td', {}, listOf(d.clouds.map(cloudName))),
    h('td', {}, drillBadge(d.state), d.state_reason ? h('div', { class: 'muted small' }, d.state_text || d.state_reason) : null),
    h('td', {}, d.starter),
    h('td', { class: 'small nowrap' }, when(d.created_at)),
    h('td', { class: 'small nowrap' }, when(d.closed_at))));
  paint(gen, pageHead(t('drills.title'), t('drills.desc')), drillForm(),
    card(t('drills.history'), rows.length
      ? table(t('drills.history'), [t('col.id'), t('drill.mode'), t('drill.clouds'), t('col.state'), t('drill.starter'),
        t('col.created'), t('drill.closed')], rows, { class: 'data', 'data-testid': 'drills-table' })
      : h('p', { class: 'muted', 'data-testid': 'drills-empty' }, t('drills.empty'))));
}

function drillForm() {
  // Every cloud but the backup node, grouped by kind: the backup node is where systems restart, never a drill's target.
  const kinds = ['province', 'city', 'industry'];
  const byKind = Object.fromEntries(kinds.map((k) => [k, Object.values(Q.clouds).filter((c) => c.kind === k)]));
  const boxes = kinds.filter((k) => byKind[k].length).map((k) => h('div', { class: 'check-group' },
    h('div', { class: 'muted small' }, t('kind.' + k)),
    h('div', { class: 'check-grid' }, byKind[k].map((c) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'drill-cloud', value: c.id, 'data-cloud': c.id }),
      h('span', {}, cloudName(c.id), h('span', { class: 'muted small' }, ` ${c.id}`), c.status !== 'healthy' ? [' ', statusBadge(c.status)] : null))))));
  const mode = (m) => h('label', { class: 'check radio' },
    h('input', { type: 'radio', name: 'drill-mode', value: m, checked: m === 'tabletop', 'data-mode': m }),
    h('span', {}, h('strong', {}, t('drill.mode.' + m)), h('span', { class: 'muted small block' }, t('drill.mode.' + m + '.desc'))));
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'start-drill' }, t('drill.start'));
  const form = h('form', { 'data-testid': 'drill-form', novalidate: true },
    h('fieldset', {}, h('legend', {}, t('drill.clouds.pick')), boxes),
    h('fieldset', {}, h('legend', {}, t('drill.mode')), h('div', { class: 'check-grid wide' }, mode('tabletop'), mode('live'))),
    h('div', { class: 'form-actions' }, submit, status), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const clouds = [...form.querySelectorAll('input[name=drill-cloud]:checked')].map((x) => x.value);
    const m = form.querySelector('input[name=drill-mode]:checked').value;
    err.hidden = true;
    if (!clouds.length) { err.textContent = t('drill.clouds.none'); err.hidden = false; return; }
    if (m === 'live' && !window.confirm(t('drill.confirm.live', { clouds: listOf(clouds.map(cloudName)) }))) return;
    submit.disabled = true; status.textContent = t('drill.starting');
    try {
      const d = await api('/drills', { body: { clouds, mode: m } });
      location.hash = `#/drills/${d.id}`;
    } catch (e) {
      err.textContent = e.detail || String(e); err.hidden = false; status.textContent = ''; submit.disabled = false;
      markInvalid(form, e);
    }
  });
  return card(t('drill.form.title'), h('p', { class: 'muted' }, t('drill.form.desc')), form);
}

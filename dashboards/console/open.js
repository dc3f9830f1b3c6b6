/* The public open-data page (docs/data-platform.md, "Open data"): anyone, without logging in, searches the
   published data sets, reads one, disputes it, and later reads the answer with the id and token the
   objection was given. It talks only to the public endpoints under /api/v1/opendata, never with a token
   (core/api.js sends one only when the console has logged in, which this page never does).
   Like the console: DOM calls only (never innerHTML with API data), nothing loaded from outside. */
import { api, qs } from './core/api.js';
import { errBox, field, h, main, markInvalid } from './core/dom.js';
import { dpLabel as label, lang, t, toggleLang } from './core/i18n.js';
import { num, whenMinute as when } from './core/format.js';
import { paint, route, start } from './core/router.js';
import { dpBadge as badge } from './widgets/badges.js';

const PAGE_SIZE = 20;

const card = (title, ...body) => h('section', { class: 'card' }, title ? h('h2', {}, title) : null, body);

// 429 says when to try again; otherwise the message, with the field it names.
function errText(e) {
  if (e && e.status === 429) {
    const s = Number(e.retryAfter);
    return t('pub.error.ratelimited', { m: Number.isFinite(s) && s > 0 ? num(Math.ceil(s / 60)) : '?' });
  }
  if (e && e.status === 404) return t('pub.error.notfound') + (e.detail ? ` (${e.detail})` : '');
  if (!e || !e.detail) return String(e && e.message ? e.message : e);
  return e.field && !String(e.detail).startsWith(e.field) ? t('dp.error.field', { field: e.field, message: e.detail }) : e.detail;
}
function showError(box, form, e) {
  box.textContent = errText(e);
  box.dataset.status = e && e.status ? String(e.status) : '';
  box.hidden = false;
  if (form) markInvalid(form, e);
}

// ------------------------------------------------------------------ shell

function shell() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  document.title = t('pub.title');
  document.getElementById('skip').textContent = t('skip');
  document.getElementById('skip').onclick = (ev) => { ev.preventDefault(); main().focus(); };
  document.getElementById('footer').replaceChildren(t('pub.footer'), ' · ', t('footer.tz'));
  const path = location.hash.split('?')[0];
  const link = (key, href, active) => h('a', { href, 'data-nav': key, 'aria-current': active ? 'page' : null }, t('pub.nav.' + key));
  document.getElementById('topbar').replaceChildren(
    h('div', { class: 'brand' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true', translate: 'no' }, '黔'),
      h('span', { class: 'brand-text' }, h('strong', {}, t('pub.brand')), h('small', {}, t('pub.subtitle')))),
    h('nav', { 'aria-label': 'main' },
      link('search', '#/', !path.startsWith('#/check')),
      link('check', '#/check', path.startsWith('#/check'))),
    h('div', { class: 'userbox' },
      h('button', { type: 'button', id: 'lang-toggle', class: 'btn btn-ghost', lang: lang() === 'en' ? 'zh-CN' : 'en',
        'aria-label': t('lang.switch.label'), onclick: () => {
          toggleLang();
          route();
          document.getElementById('lang-toggle').focus();
        } }, t('lang.switch')),
      h('a', { class: 'btn btn-ghost', href: '/#/login', 'data-testid': 'staff-login' }, t('pub.staff'))));
}

// ------------------------------------------------------------------ search

async function pageSearch(gen, params) {
  const q = params.get('q') || '';
  const category = params.get('category') || '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [stats, list] = await Promise.all([
    api('/opendata/stats').catch(() => null),
    api('/opendata/datasets' + qs({ q, category, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })),
  ]);
  const input = h('input', { id: 'pub-q', name: 'q', type: 'search', value: q, placeholder: t('pub.search.placeholder') });
  const cat = h('select', { id: 'pub-category', name: 'category' },
    ['', 'base', 'theme', 'department'].map((c) => h('option', { value: c, selected: c === category }, c ? label('category', c) : t('dp.any'))));
  const form = h('form', { class: 'filter-form', role: 'search', 'data-testid': 'pub-search' },
    field('pub-q', t('pub.search'), input), field('pub-category', t('dp.category'), cat),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'search' }, t('dp.search.submit'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/' + qs({ q: input.value.trim(), category: cat.value }); });
  const results = list.items.map((d) => h('li', { class: 'dataset', 'data-testid': 'pub-dataset', 'data-code': d.code },
    // a dataset's name and description, a department's name: their owners' words, not translated
    h('h3', {}, h('a', { href: `#/d/${encodeURIComponent(d.code)}`, translate: 'no' }, d.name)),
    h('div', { class: 'muted small' }, h('code', {}, d.code), ' · ', h('span', { translate: 'no' }, d.department_name || d.department), ' · ', label('category', d.category),
      ' · ', label('frequency', d.update_frequency), ' · ', t('pub.published', { t: when(d.published_at) })),
    d.description ? h('p', { class: 'small clamp', translate: 'no' }, d.description) : null));
  const pages = Math.max(1, Math.ceil((list.total || 0) / PAGE_SIZE));
  const nav = (text, p, disabled) => h('a', { class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null,
    href: disabled ? null : '#/' + qs({ q, category, page: p }) }, text);
  paint(gen,
    h('div', { class: 'page-head' }, h('h1', {}, t('pub.title')), h('p', { class: 'muted' }, t('pub.intro'))),
    stats ? h('p', { class: 'pub-stats', 'data-testid': 'pub-stats', 'data-published': stats.published }, t('pub.stats', { n: num(stats.published) })) : null,
    card(null, form,
      h('p', { class: 'muted small', 'data-testid': 'pub-total', 'data-total': list.total }, t('pub.total', { n: num(list.total) })),
      results.length ? h('ul', { class: 'datasets', 'data-testid': 'pub-results' }, results)
        : h('p', { class: 'muted', 'data-testid': 'pub-empty' }, t('pub.none')),
      list.total > PAGE_SIZE ? h('div', { class: 'pager' }, nav(t('audit.prev'), page - 1, page <= 1),
        h('span', { class: 'muted small' }, t('dp.page', { page: num(page), pages: num(pages), total: num(list.total) })), nav(t('audit.next'), page + 1, page >= pages)) : null));
  if (q) input.focus();
}

// ------------------------------------------------------------------ one data set, and its objection form

async function pageDataset(gen, code) {
  const d = await api(`/opendata/datasets/${encodeURIComponent(code)}`);
  const dl = (...items) => h('dl', { class: 'meta' }, items.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  paint(gen,
    h('div', { class: 'page-head' }, h('a', { href: '#/', class: 'back' }, t('pub.back')),
      h('h1', { 'data-testid': 'pub-dataset-title', translate: 'no' }, d.name), h('p', { class: 'muted' }, h('code', {}, d.code))),
    card(null, d.description ? h('p', { translate: 'no' }, d.description) : null, dl(
      [t('pub.department'), h('span', { translate: 'no' }, d.department_name || d.department)],
      [t('dp.category'), label('category', d.category)],
      [t('dp.frequency'), h('span', { 'data-testid': 'pub-frequency' }, label('frequency', d.update_frequency))],
      [t('dp.format'), h('span', { 'data-testid': 'pub-format' }, label('format', d.data_format))],
      [t('dp.licence'), d.licence_url ? h('a', { href: d.licence_url, rel: 'noopener license', target: '_blank', 'data-testid': 'pub-licence' }, label('licence', d.licence))
        : h('span', { 'data-testid': 'pub-licence' }, label('licence', d.licence))],
      [t('dp.api'), h('a', { href: d.api, target: '_blank', rel: 'noopener', 'data-testid': 'pub-api' }, h('code', {}, d.api))],
      [t('dp.open'), badge('open', d.open_attribute)],
      [t('pub.published.col'), when(d.published_at)]),
    h('p', { class: 'form-actions' }, h('a', { class: 'btn', href: d.download, download: `${d.code}-fields.csv`, 'data-testid': 'pub-download' }, t('dp.dictionary'))),
    h('p', { class: 'muted small' }, t('dp.records.none'))),
    card(t('dp.fields'), (d.fields || []).length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': 'pub-fields' },
        h('thead', {}, h('tr', {}, [t('dp.field.name'), t('dp.field.type'), t('dp.field.description'), t('dp.field.sensitivity')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, d.fields.map((f) => h('tr', { 'data-sensitivity': f.sensitivity }, h('th', { scope: 'row' }, h('code', {}, f.name)), h('td', {}, label('type', f.type)),
          h('td', { class: 'small', translate: 'no' }, f.description || '–'), h('td', {}, badge('sensitivity', f.sensitivity)))))))
      : h('p', { class: 'muted' }, t('none'))),
    objectionForm(d));
}

function objectionForm(d) {
  const text = h('textarea', { id: 'pub-text', name: 'text', rows: '4', minlength: '10', maxlength: '2000', required: true, 'aria-describedby': 'pub-text-hint' });
  const contact = h('input', { id: 'pub-contact', name: 'contact', maxlength: '200', autocomplete: 'email', 'aria-describedby': 'pub-contact-hint' });
  const count = h('small', { class: 'muted', 'aria-live': 'off' }, '0 / 2000');
  text.addEventListener('input', () => { count.textContent = `${num(text.value.trim().length)} / 2000`; });
  const err = errBox();
  const out = h('div', { 'data-testid': 'pub-receipt', hidden: true, role: 'status', class: 'alert alert-ok receipt' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit-objection' }, t('pub.objection.submit'));
  const form = h('form', { 'data-testid': 'pub-objection-form', novalidate: true },
    h('p', { class: 'muted' }, t('pub.objection.desc')),
    field('pub-text', t('pub.objection.text'), text, t('pub.objection.text.hint')), count,
    field('pub-contact', t('pub.objection.contact'), contact, t('pub.objection.contact.hint')),
    h('div', { class: 'form-actions' }, submit), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const body = { dataset: d.code, text: text.value.trim() };
    if (body.text.length < 10 || body.text.length > 2000) {
      showError(err, form, { status: 0, field: 'text', detail: t('pub.objection.text.hint') });
      return;
    }
    if (contact.value.trim()) body.contact = contact.value.trim();
    submit.disabled = true;
    try {
      const r = await api('/opendata/objections', { body });
      form.hidden = true;
      out.replaceChildren(
        h('strong', {}, '✓ ' + t('pub.receipt.title')),
        h('dl', { class: 'meta compact' },
          h('dt', {}, t('pub.receipt.id')), h('dd', {}, h('code', { 'data-testid': 'receipt-id' }, String(r.id))),
          h('dt', {}, t('pub.receipt.token')), h('dd', {}, h('code', { 'data-testid': 'receipt-token', class: 'token' }, r.token))),
        h('p', { class: 'small' }, t('pub.receipt.keep')),
        h('a', { href: '#/check' + qs({ id: r.id }), 'data-testid': 'receipt-check' }, t('pub.receipt.check')));
      out.hidden = false;
      out.setAttribute('tabindex', '-1');
      out.focus();
    } catch (e) {
      submit.disabled = false;
      showError(err, form, e);
    }
  });
  return card(t('pub.objection.title'), form, out);
}

// ------------------------------------------------------------------ check an objection with its id and token

function pageCheck(gen, params) {
  const id = h('input', { id: 'chk-id', name: 'id', value: params.get('id') || '', inputmode: 'numeric', autocomplete: 'off', required: true });
  const token = h('input', { id: 'chk-token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const err = errBox();
  const out = h('div', {});
  const form = h('form', { 'data-testid': 'pub-check-form', novalidate: true },
    h('div', { class: 'form-grid' }, field('chk-id', t('pub.receipt.id'), id), field('chk-token', t('pub.receipt.token'), token)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'check' }, t('pub.check.submit'))), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    out.replaceChildren();
    if (!id.value.trim() || !token.value.trim()) { showError(err, null, { detail: t('pub.check.both') }); return; }
    try {
      const o = await api(`/opendata/objections/${encodeURIComponent(id.value.trim())}`,
                          { headers: { 'X-Objection-Token': token.value.trim() } });  // never in the URL
      const dl = (...items) => h('dl', { class: 'meta compact' }, items.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
      out.replaceChildren(card(t('pub.check.result', { id: o.id }), h('div', { 'data-testid': 'pub-objection', 'data-state': o.state },
        dl([t('pub.dataset'), typeof o.dataset === 'object' && o.dataset ? `${o.dataset.name || ''} (${o.dataset.code || ''})` : o.dataset],
          [t('col.state'), badge('obj', o.state)],
          [t('pub.submitted'), when(o.created_at)],
          [t('pub.objection.text'), h('div', { class: 'pre' }, o.text)],
          [t('pub.answer'), o.answer ? h('div', { class: 'pre', 'data-testid': 'pub-answer' }, o.answer, h('div', { class: 'muted small' }, when(o.answered_at))) : t('pub.answer.none')],
          o.resolution ? [t('dp.objection.outcome'), h('span', {}, badge('resolution', o.resolution), o.note ? ` ${o.note}` : '')] : null))));
    } catch (e) {
      showError(err, form, e.status === 404 || e.status === 403 ? { status: 0, detail: t('pub.check.nomatch') } : e);
    }
  });
  paint(gen,
    h('div', { class: 'page-head' }, h('h1', {}, t('pub.check.title')), h('p', { class: 'muted' }, t('pub.check.desc'))),
    card(null, form), out);
  (id.value ? token : id).focus();
}


start({
  routes: [
    [/^#\/d\/(.+)$/, (gen, _params, code) => pageDataset(gen, code)],
    [/^#\/check$/, pageCheck],
    [/^/, pageSearch],
  ],
  shell,
  failed: (e) => h('div', { class: 'alert alert-error', role: 'alert' }, errText(e)),
});

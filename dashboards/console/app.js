/* Qianyun console: a small single-page app over the JSON API (/api/v1). No framework, no build step,
   nothing loaded from outside: the console must work on a government network with no internet.
   Every element is built with DOM calls (never innerHTML with API data), so names from the clouds
   cannot inject markup. Charts are inline SVG drawn here. */
'use strict';

(function () {
  const API = '/api/v1';
  const TZ = 'Asia/Shanghai';
  const SVGNS = 'http://www.w3.org/2000/svg';
  const PLAN_ROLES = ['province-operator', 'city-operator', 'industry-operator', 'dr-coordinator', 'auditor'];
  const STATES = ['proposed', 'approved', 'executing', 'succeeded', 'failed', 'rolling back', 'rolled back',
    'rejected', 'cancelled', 'superseded'];
  const LIVE_STATES = ['executing', 'rolling back'];

  // Session state: the token lives in sessionStorage (gone with the tab), the language in
  // localStorage (remembered across visits).
  const Q = {
    token: sessionStorage.getItem('qianyun.token'),
    me: JSON.parse(sessionStorage.getItem('qianyun.me') || 'null'),
    lang: localStorage.getItem('qianyun.lang') === 'en' ? 'en' : 'zh',
    gen: 0,          // bumped on every navigation, so a slow answer never paints over a newer page
    timers: [],      // polling timers of the current page
    clouds: null,    // cloud id -> cloud, for names
  };

  // ------------------------------------------------------------------ language and formats

  function t(key, vars) {
    const dict = window.QY_I18N || {};
    let s = (dict[Q.lang] && dict[Q.lang][key]) || (dict.zh && dict.zh[key]) || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    return s;
  }
  const locale = () => (Q.lang === 'en' ? 'en-GB' : 'zh-CN');

  function num(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return '–';
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits ?? 0 }).format(n);
  }
  function pct(frac, digits) {
    if (frac === null || frac === undefined) return '–';
    return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits ?? 0 }).format(frac);
  }
  const UNITS = { vcpu: 'vCPU', memory_gib: 'GiB', gpu: 'GPU', storage_gib: 'GiB' };
  const withUnit = (n, res, digits) => num(n, digits) + '\u00a0' + UNITS[res];

  // The API stores UTC and sends naive ISO times; they are shown in Beijing time.
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
    // One unambiguous shape in both languages: 2026-11-27 00:45:10.
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
      timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((x) => [x.type, x.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  }

  function cloudName(id) {
    const c = Q.clouds && Q.clouds[id];
    if (!c) return id;
    return Q.lang === 'en' ? c.name_en : c.name;
  }

  // ------------------------------------------------------------------ DOM helpers

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
  const main = () => document.getElementById('main');

  function badge(kind, value, label) {
    return h('span', { class: `badge ${kind}-${String(value).replace(/\s+/g, '-')}`, 'data-state': value }, label);
  }
  const stateBadge = (state) => badge('state', state, t('state.' + state));
  const statusBadge = (status) => badge('status', status, t('status.' + status));

  function card(title, ...body) {
    const id = 'c' + Math.random().toString(36).slice(2, 8);
    return h('section', { class: 'card', 'aria-labelledby': title ? id : null },
      title ? h('h2', { id }, title) : null, body);
  }
  function table(caption, headers, rows, attrs) {
    return h('div', { class: 'table-wrap' },
      h('table', attrs || {},
        caption ? h('caption', { class: 'sr-only' }, caption) : null,
        h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)));
  }
  function tile(label, value, sub, testid) {
    return h('div', { class: 'tile', 'data-testid': testid },
      h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value),
      sub ? h('div', { class: 'tile-sub' }, sub) : null);
  }
  function fillClass(frac) {
    if (frac === null || frac === undefined) return 'f-none';
    if (frac >= 0.9) return 'f-5';
    if (frac >= 0.75) return 'f-4';
    if (frac >= 0.5) return 'f-3';
    if (frac >= 0.25) return 'f-2';
    if (frac > 0) return 'f-1';
    return 'f-0';
  }
  // A horizontal bar with its value in words beside it: the text is what a screen reader reads.
  function bar(frac, text, extra) {
    const w = Math.max(0, Math.min(1, frac || 0)) * 100;
    return h('div', { class: 'bar ' + (extra || '') },
      h('div', { class: 'bar-track', 'aria-hidden': 'true' },
        h('div', { class: 'bar-fill ' + fillClass(frac), style: `width:${w.toFixed(1)}%` })),
      h('span', { class: 'bar-text' }, text));
  }
  function allocBar(allocated, capacity, res) {
    const frac = capacity ? allocated / capacity : null;
    return h('div', {}, bar(frac, pct(frac)), h('div', { class: 'muted small nowrap' }, `${num(allocated)} / ${withUnit(capacity, res)}`));
  }
  const hostFill = (hst) => Math.max(
    hst.capacity.vcpu ? hst.allocated.vcpu / hst.capacity.vcpu : 0,
    hst.capacity.memory_gib ? hst.allocated.memory_gib / hst.capacity.memory_gib : 0);

  function errorBox(err) {
    return h('div', { class: 'alert alert-error', role: 'alert' }, err && err.detail ? err.detail : String(err));
  }
  function loading() {
    return h('p', { class: 'muted', role: 'status' }, t('loading'));
  }
  function forbidden(message) {
    return h('section', { class: 'card forbidden', 'data-testid': 'forbidden' },
      h('h1', {}, t('forbidden.title')), h('p', {}, message));
  }

  // ------------------------------------------------------------------ the API

  // detail is always text; field names the offending input when the API says which one. The API sends
  // {"detail": "field: message", "field": ...} (api/errors.py); {"detail": {"field", "message"}} is read too.
  class ApiError extends Error {
    constructor(status, detail, field, retryAfter) {
      super(detail); this.status = status; this.detail = detail; this.field = field || null; this.retryAfter = retryAfter || null;
    }
  }
  function errorOf(res, data) {
    let detail = data && data.detail, field = data && data.field;
    if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
      field = field || detail.field;
      detail = detail.field && detail.message ? `${detail.field}: ${detail.message}` : (detail.message || JSON.stringify(detail));
    } else if (Array.isArray(detail)) {
      detail = detail.map((d) => (d && d.msg) || JSON.stringify(d)).join('; ');
    }
    return new ApiError(res.status, detail || res.statusText, field, res.headers.get('Retry-After'));
  }

  async function api(path, opts) {
    opts = opts || {};
    const headers = { Accept: 'application/json' };
    if (Q.token) headers.Authorization = 'Bearer ' + Q.token;
    let body = opts.body;
    if (body !== undefined && !(body instanceof URLSearchParams)) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(body);
    }
    const res = await fetch(API + path, { method: opts.method || (body ? 'POST' : 'GET'), headers, body });
    let data = null;
    try { data = await res.json(); } catch (_) { /* an empty or non-JSON body */ }
    if (res.status === 401 && Q.token) {  // expired or revoked: back to the login page
      logout(t('error.session'));
      throw new ApiError(401, t('error.session'));
    }
    if (!res.ok) throw errorOf(res, data);
    return data;
  }

  // Every page of a listing, for the few views that need the whole set (heat map, cloud names).
  async function all(path) {
    const sep = path.includes('?') ? '&' : '?';
    let out = [], offset = 0, total = Infinity;
    while (offset < total) {
      const page = await api(`${path}${sep}limit=1000&offset=${offset}`);
      out = out.concat(page.items);
      total = page.total;
      offset += page.items.length;
      if (!page.items.length) break;
    }
    return out;
  }

  async function loadClouds() {
    if (!Q.clouds) {
      const items = await all('/clouds');
      Q.clouds = Object.fromEntries(items.map((c) => [c.id, c]));
    }
    return Q.clouds;
  }

  // ------------------------------------------------------------------ who may do what
  // The API enforces all of this; the console only hides what the user could not do anyway.

  const role = () => (Q.me ? Q.me.role : null);
  const may = {
    plans: () => PLAN_ROLES.includes(role()),
    hosts: () => !['department-admin', 'data-authority'].includes(role()),
    quotas: () => role() !== 'data-authority',
    audit: () => ['auditor', 'province-operator'].includes(role()),
    propose: () => ['province-operator', 'city-operator', 'industry-operator'].includes(role()),
    act: () => PLAN_ROLES.includes(role()) && role() !== 'auditor',
    decideQuotas: () => ['province-operator', 'city-operator', 'industry-operator'].includes(role()),
  };
  function approves(key) {
    if (key === 'province') return role() === 'province-operator';
    const [kind, cloud] = key.split(':');
    return role() === `${kind}-operator` && Q.me.scope === cloud;
  }
  function planActions(p) {
    if (!may.act()) return [];
    const keys = p.approvals.map((a) => a.key);
    const province = role() === 'province-operator';
    const mine = keys.some(approves);
    const mayRun = province || mine || (p.proposer === Q.me.username && ['city-operator', 'industry-operator'].includes(role()));
    const open = ['proposed', 'approved'].includes(p.state);
    const out = [];
    if (open) out.push('dryrun');
    if (p.state === 'proposed' && (p.pending_approvals.some(approves) || (!keys.length && mayRun))) out.push('approve');
    if (open && (mine || province)) out.push('reject');
    if (p.state === 'approved' && mayRun) out.push('execute');
    if (['succeeded', 'failed'].includes(p.state) && mayRun) out.push('rollback');
    if (open && (p.proposer === Q.me.username || province)) out.push('cancel');
    return out;
  }

  // ------------------------------------------------------------------ shell: top bar and routing

  function renderShell() {
    document.documentElement.lang = Q.lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('app.title');
    document.getElementById('skip').textContent = t('skip');
    // The skip link must not touch the hash: the hash is the router's.
    document.getElementById('skip').onclick = (ev) => { ev.preventDefault(); main().focus(); };
    document.getElementById('footer').textContent = t('footer.tz');
    const bar = document.getElementById('topbar');
    bar.replaceChildren();
    const route = location.hash.split('?')[0];
    const link = (key, href) => h('a', {
      href, 'data-nav': key, 'aria-current': route.startsWith(href) ? 'page' : null,
    }, t('nav.' + key));
    bar.append(
      h('div', { class: 'brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '黔'),
        h('span', { class: 'brand-text' }, h('strong', {}, t('app.name')), h('small', {}, t('app.subtitle')))),
      Q.me ? h('nav', { 'aria-label': 'main' },
        link('overview', '#/overview'),
        may.plans() ? link('plans', '#/plans') : null,
        DRILL_ROLES.includes(role()) ? link('drills', '#/drills') : null,
        JOB_ROLES.includes(role()) ? link('jobs', '#/jobs') : null,
        link('why', '#/why'),
        may.quotas() ? link('quotas', '#/quotas') : null,
        may.decideQuotas() ? link('inbox', '#/quota-inbox') : null,
        may.audit() ? link('audit', '#/audit') : null,
        h('a', { href: '#/catalog', 'data-nav': 'data', 'aria-current': DATA_ROUTES.some((r) => route.startsWith(r)) ? 'page' : null }, t('nav.data')))
        : h('span', { class: 'spacer' }),
      h('div', { class: 'userbox' },
        Q.me ? h('span', { class: 'who', 'data-testid': 'who' },
          h('strong', {}, Q.me.username), ' · ', t('role.' + Q.me.role),
          Q.me.scope ? ` (${Q.me.scope})` : '') : null,
        h('button', {
          type: 'button', id: 'lang-toggle', class: 'btn btn-ghost', lang: Q.lang === 'en' ? 'zh-CN' : 'en',
          'aria-label': t('lang.switch.label'), onclick: switchLanguage,
        }, t('lang.switch')),
        Q.me ? h('button', { type: 'button', class: 'btn btn-ghost', id: 'logout', onclick: () => logout() }, t('logout')) : null));
  }

  function switchLanguage() {
    Q.lang = Q.lang === 'en' ? 'zh' : 'en';
    localStorage.setItem('qianyun.lang', Q.lang);
    route();
    document.getElementById('lang-toggle').focus();
  }

  function logout(message) {
    Q.token = null; Q.me = null; Q.clouds = null; Q.depts = null;
    sessionStorage.removeItem('qianyun.token');
    sessionStorage.removeItem('qianyun.me');
    Q.flash = message || null;
    if (location.hash !== '#/login') location.hash = '#/login'; else route();
  }

  const ROUTES = [
    [/^#\/login$/, pageLogin],
    [/^#\/overview$/, pageOverview],
    [/^#\/clouds\/([^/]+)$/, pageCloud],
    [/^#\/hosts\/([^/]+)$/, pageHost],
    [/^#\/plans$/, pagePlans],
    [/^#\/plans\/(\d+)$/, pagePlan],
    [/^#\/drills$/, pageDrills],
    [/^#\/drills\/(\d+)$/, pageDrill],
    [/^#\/jobs$/, pageJobs],
    [/^#\/jobs\/(\d+)$/, pageJobSet],
    [/^#\/why(?:\/(.+))?$/, pageWhy],
    [/^#\/audit$/, pageAudit],
    [/^#\/quotas$/, pageQuotas],
    [/^#\/quota-inbox$/, pageInbox],
    [/^#\/catalog$/, pageCatalog],
    [/^#\/catalog\/new$/, pageEntryNew],
    [/^#\/catalog\/compliance$/, pageCompliance],
    [/^#\/catalog\/(\d+)$/, pageEntry],
    [/^#\/sharing$/, pageSharing],
    [/^#\/opendata$/, pageOpendata],
    [/^#\/platform$/, pagePlatform],
  ];

  function route() {
    Q.gen += 1;
    Q.timers.forEach(clearTimeout);
    Q.timers = [];
    const [path, query] = location.hash.split('?');
    if (!Q.token && path !== '#/login') { location.hash = '#/login'; return; }
    if (Q.token && (path === '' || path === '#' || path === '#/' || path === '#/login')) { location.hash = '#/overview'; return; }
    renderShell();
    const params = new URLSearchParams(query || '');
    for (const [re, page] of ROUTES) {
      const m = path.match(re);
      if (m) {
        main().replaceChildren(loading());
        const gen = Q.gen;
        Promise.resolve(page(gen, params, ...m.slice(1).map((x) => (x ? decodeURIComponent(x) : x))))
          .catch((err) => { if (gen === Q.gen && err.status !== 401) main().replaceChildren(errorBox(err)); });
        return;
      }
    }
    main().replaceChildren(h('p', {}, t('notfound')));
  }
  const current = (gen) => gen === Q.gen;
  function paint(gen, ...nodes) {
    if (!current(gen)) return false;
    main().replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
    return true;
  }
  function pageHead(title, sub, back) {
    return h('div', { class: 'page-head' },
      back || null,
      h('h1', {}, title),
      sub ? h('p', { class: 'muted' }, sub) : null);
  }

  // ------------------------------------------------------------------ log in

  function pageLogin(gen) {
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

  // ------------------------------------------------------------------ overview

  async function pageOverview(gen) {
    Q.clouds = null;  // fresh figures on every visit
    const clouds = Object.values(await loadClouds());
    const hostsP = may.hosts() ? all('/hosts') : Promise.resolve(null);
    const sum = (f) => clouds.reduce((a, c) => a + f(c), 0);
    const cap = { vcpu: sum((c) => c.capacity.vcpu), mem: sum((c) => c.capacity.memory_gib) };
    const alloc = { vcpu: sum((c) => c.allocated.vcpu), mem: sum((c) => c.allocated.memory_gib) };
    const healthy = clouds.filter((c) => c.status === 'healthy').length;

    const utilCells = {};
    const rows = clouds.map((c) => {
      utilCells[c.id] = [h('td', { class: 'util' }, '…'), h('td', { class: 'util' }, '…')];
      return h('tr', { 'data-testid': 'cloud-row', 'data-cloud': c.id },
        h('th', { scope: 'row' }, h('a', { href: `#/clouds/${c.id}` }, cloudName(c.id)), h('div', { class: 'muted small' }, c.id)),
        h('td', { class: 'nowrap' }, t('kind.' + c.kind)),
        h('td', {}, statusBadge(c.status), c.status_detail ? h('div', { class: 'muted small' }, c.status_detail) : null),
        h('td', { class: 'num' }, num(c.hosts)),
        h('td', { class: 'num' }, num(c.workloads)),
        h('td', {}, allocBar(c.allocated.vcpu, c.capacity.vcpu, 'vcpu')),
        h('td', {}, allocBar(c.allocated.memory_gib, c.capacity.memory_gib, 'memory_gib')),
        utilCells[c.id],
        h('td', { class: 'small nowrap' }, when(c.last_sync_at)));
    });
    const heat = h('div', {}, may.hosts() ? loading() : null);
    paint(gen,
      pageHead(t('overview.title'), t('overview.scope', { n: clouds.length })),
      h('div', { class: 'tiles' },
        tile(t('tile.clouds'), num(clouds.length), t('tile.healthy', { n: healthy }), 'tile-clouds'),
        tile(t('tile.hosts'), num(sum((c) => c.hosts))),
        tile(t('tile.workloads'), num(sum((c) => c.workloads))),
        tile(t('tile.vcpu'), pct(cap.vcpu ? alloc.vcpu / cap.vcpu : null), `${num(alloc.vcpu)} / ${withUnit(cap.vcpu, 'vcpu')}`),
        tile(t('tile.memory'), pct(cap.mem ? alloc.mem / cap.mem : null), `${num(alloc.mem)} / ${withUnit(cap.mem, 'memory_gib')}`)),
      card(null, table(t('overview.title'), [t('col.cloud'), t('col.kind'), t('col.status'), t('col.hosts'), t('col.workloads'),
        t('col.alloc_vcpu'), t('col.alloc_mem'), t('col.util_vcpu'), t('col.util_mem'), t('col.last_sync')], rows,
      { class: 'data', 'data-testid': 'clouds-table' })),
      may.hosts() ? card(t('heat.title'), h('p', { class: 'muted' }, t('heat.desc')), heat) : null);

    // Utilisation per cloud, filled in as the answers come.
    clouds.forEach(async (c) => {
      try {
        const u = await api(`/clouds/${c.id}/utilisation`);
        if (!current(gen)) return;
        const by = Object.fromEntries(u.resources.map((r) => [r.resource, r]));
        ['vcpu', 'memory_gib'].forEach((res, i) => utilCells[c.id][i].replaceChildren(utilText(by[res])));
      } catch (_) { /* shown as no data */ }
    });
    const hosts = await hostsP;
    if (hosts && current(gen)) heat.replaceChildren(heatMap(hosts));
  }

  function utilText(r) {
    if (!r || r.latest === null || r.latest === undefined) return h('span', { class: 'muted small' }, t('util.none'));
    return h('div', { class: 'util-pair' },
      bar(r.latest, `${t('util.latest')} ${pct(r.latest)}`, 'thin'),
      bar(r.p95, `${t('util.p95')} ${pct(r.p95)}`, 'thin p95'));
  }

  function heatMap(hosts) {
    const by = {};
    hosts.forEach((x) => { (by[x.cloud] = by[x.cloud] || []).push(x); });
    const legend = h('div', { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, t('heat.legend')),
      ['f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5'].map((f, i) =>
        h('span', { class: 'legend-item' }, h('span', { class: 'cell ' + f }), ['0', '<25%', '25%', '50%', '75%', '≥90%'][i])),
      h('span', { class: 'legend-item' }, h('span', { class: 'cell f-0 down' }), t('heat.down')),
      h('span', { class: 'legend-item' }, h('span', { class: 'cell f-0 unsched' }), t('heat.unsched')));
    const groups = Object.keys(by).sort().map((cid) => h('div', { class: 'heat-group' },
      h('h3', {}, h('a', { href: `#/clouds/${cid}` }, cloudName(cid)), h('span', { class: 'muted small' }, ` ${by[cid].length}`)),
      h('div', { class: 'heat-grid' }, by[cid].map((x) => {
        const f = hostFill(x);
        const label = t('heat.cell', { host: x.id, pct: pct(f) }) + (x.up ? '' : ` · ${t('heat.down')}`) +
          (x.schedulable ? '' : ` · ${t('heat.unsched')}`);
        return h('a', {
          href: `#/hosts/${x.id}`, class: `cell heat-cell ${fillClass(f)}${x.up ? '' : ' down'}${x.schedulable ? '' : ' unsched'}`,
          title: label, 'aria-label': label, 'data-host': x.id,
        });
      }))));
    return h('div', { class: 'heat', 'data-testid': 'heatmap' }, legend, h('div', { class: 'heat-groups' }, groups));
  }

  // ------------------------------------------------------------------ a cloud, a host

  async function pageCloud(gen, _params, id) {
    await loadClouds();
    const [c, u] = await Promise.all([api(`/clouds/${encodeURIComponent(id)}`), api(`/clouds/${encodeURIComponent(id)}/utilisation`)]);
    const back = h('a', { href: '#/overview', class: 'back' }, t('back.overview'));
    let list;
    if (may.hosts()) {
      const hosts = await all(`/hosts?cloud=${encodeURIComponent(id)}`);
      list = card(t('cloud.hosts'), table(t('cloud.hosts'),
        [t('col.host'), t('col.model'), t('col.state'), t('col.workloads'), t('col.alloc_vcpu'), t('col.alloc_mem')],
        hosts.map((x) => h('tr', { 'data-testid': 'host-row' },
          h('th', { scope: 'row' }, h('a', { href: `#/hosts/${x.id}` }, x.id)),
          h('td', { class: 'small' }, x.model),
          h('td', {}, x.up ? badge('host', 'up', t('host.up')) : badge('host', 'down', t('host.down')),
            x.schedulable ? null : [' ', badge('host', 'unsched', t('host.unschedulable'))]),
          h('td', { class: 'num' }, num(x.workloads)),
          h('td', {}, allocBar(x.allocated.vcpu, x.capacity.vcpu, 'vcpu')),
          h('td', {}, allocBar(x.allocated.memory_gib, x.capacity.memory_gib, 'memory_gib')))),
        { class: 'data' }));
    } else {
      const ws = await all(`/workloads?cloud=${encodeURIComponent(id)}`);
      list = card(t('cloud.workloads'), workloadTable(ws));
    }
    paint(gen,
      pageHead(cloudName(c.id), `${c.id} · ${t('kind.' + c.kind)} · MLPS ${c.mlps_level}`, back),
      h('div', { class: 'tiles' },
        tile(t('col.status'), statusBadge(c.status), c.status_detail || when(c.last_sync_at)),
        tile(t('tile.hosts'), num(c.hosts)),
        tile(t('tile.workloads'), num(c.workloads)),
        ['vcpu', 'memory_gib', 'gpu', 'storage_gib'].map((r) => tile(t('res.' + r),
          pct(c.capacity[r] ? c.allocated[r] / c.capacity[r] : null),
          `${num(c.allocated[r])} / ${withUnit(c.capacity[r], r)}`))),
      card(t('cloud.util'), utilBlock(u)),
      list);
  }

  function utilBlock(u) {
    return h('div', { class: 'util-block' },
      u.resources.map((r) => h('div', { class: 'util-row' },
        h('span', { class: 'util-label' }, `${t('res.' + r.resource)} (${withUnit(r.capacity, r.resource)})`),
        utilText(r))),
      u.window_end ? h('p', { class: 'muted small' }, t('cloud.window', { t: when(u.window_end) })) : null);
  }

  function workloadTable(ws) {
    if (!ws.length) return h('p', { class: 'muted' }, t('none'));
    return table(t('col.workload'),
      [t('col.workload'), t('col.name'), t('col.department'), t('col.tier'), t('col.classification'), t('col.demand'), t('col.why')],
      ws.map((w) => h('tr', { 'data-testid': 'workload-row' },
        h('th', { scope: 'row' }, w.id),
        h('td', {}, w.name),
        h('td', { class: 'small' }, w.department),
        h('td', {}, w.tier),
        h('td', {}, w.classification, ` · MLPS ${w.mlps_level}`),
        h('td', { class: 'small' }, `${withUnit(w.demand.vcpu, 'vcpu', 1)} · ${withUnit(w.demand.memory_gib, 'memory_gib', 1)}`),
        h('td', {}, h('a', { href: `#/why/${encodeURIComponent(w.id)}` }, t('why.link'))))),
      { class: 'data' });
  }

  async function pageHost(gen, _params, id) {
    if (!may.hosts()) { paint(gen, forbidden(t('forbidden.hosts'))); return; }
    await loadClouds();
    const e = encodeURIComponent(id);
    const [x, u, ws] = await Promise.all([api(`/hosts/${e}`), api(`/hosts/${e}/utilisation`), all(`/workloads?host=${e}`)]);
    paint(gen,
      pageHead(x.id, `${cloudName(x.cloud)} · ${x.model}`,
        h('a', { href: `#/clouds/${x.cloud}`, class: 'back' }, t('back.cloud', { cloud: cloudName(x.cloud) }))),
      h('div', { class: 'tiles' },
        tile(t('col.state'), x.up ? badge('host', 'up', t('host.up')) : badge('host', 'down', t('host.down')),
          x.schedulable ? `${t('host.lastseen')} ${when(x.last_seen_at)}` : t('host.unschedulable')),
        tile(t('tile.workloads'), num(x.workloads)),
        ['vcpu', 'memory_gib', 'storage_gib'].map((r) => tile(t('res.' + r),
          pct(x.capacity[r] ? x.allocated[r] / x.capacity[r] : null), `${num(x.allocated[r])} / ${withUnit(x.capacity[r], r)}`))),
      card(t('cloud.util'), utilBlock(u)),
      card(t('host.workloads'), workloadTable(ws)));
  }

  // ------------------------------------------------------------------ plans

  async function pagePlans(gen, params) {
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
      h('td', { class: 'small' }, p.pending_approvals.length ? p.pending_approvals.map(approvalLabel).join(Q.lang === 'en' ? ', ' : '、') : '–'),
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

  function approvalLabel(key) {
    if (key === 'province') return t('approval.province');
    const [kind, cloud] = key.split(':');
    return t('approval.' + kind, { cloud: cloudName(cloud) });
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

  async function pagePlan(gen, _params, id) {
    if (!may.plans()) { paint(gen, forbidden(t('forbidden.plans', { role: t('role.' + role()) }))); return; }
    await loadClouds();
    const p = await api(`/plans/${id}`);
    // The active hosts before the plan come from the snapshot it was built on (fetched once, not polled).
    let before = null;
    try {
      const doc = await api(`/plans/${id}/document`);
      before = new Set(doc.fleet.workloads.filter((w) => w.host).map((w) => w.host)).size;
    } catch (_) { /* the figure is optional */ }
    if (!current(gen)) return;
    const view = h('div', {});
    main().replaceChildren(view);
    drawPlan(gen, view, p, before);
  }

  function drawPlan(gen, view, p, before) {
    const live = LIVE_STATES.includes(p.state);
    view.replaceChildren(...[
      pageHead(h('span', {}, t('plan.title', { id: p.id }), ' ', h('span', { 'data-testid': 'plan-state', 'data-state': p.state }, stateBadge(p.state))),
        p.state_reason || null, h('a', { href: '#/plans', class: 'back' }, t('back.plans'))),
      planMeta(p),
      actionBar(gen, view, p, before),
      p.progress && (p.progress.forward_done !== undefined || live || p.rollback.length || Object.keys(p.progress).length > 1) ? progressCard(p, live) : null,
      h('div', { class: 'two-col' }, statsCard(p, before), approvalsCard(p)),
      p.dry_run ? dryRunCard(p.dry_run) : null,
      movesCard(p),
      p.rollback.length ? card(t('rollback.title'), movesTable(p.rollback, true)) : null,
      p.hosts.length ? hostsChartCard(p.hosts) : null,
      p.notes.length ? card(t('notes.title'), h('ul', {}, p.notes.map((n) => h('li', {}, n)))) : null,
      p.unplaced.length ? card(t('unplaced.title'), h('ul', {}, p.unplaced.map((u) => h('li', {}, `${u.workload || u.id || ''} ${u.reason || ''}`)))) : null,
    ].filter(Boolean));
    if (live) {  // poll while the executor works; stops when the page changes or the plan settles
      Q.timers.push(setTimeout(async () => {
        if (!current(gen)) return;
        try {
          const fresh = await api(`/plans/${p.id}`);
          if (current(gen)) drawPlan(gen, view, fresh, before);
        } catch (_) {
          if (current(gen)) drawPlan(gen, view, p, before);
        }
      }, 1000));
    }
  }

  function planMeta(p) {
    const item = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
    return card(null, h('dl', { class: 'meta' },
      item(t('plans.kind'), t('planKind.' + p.kind)),
      item(t('plans.scope'), p.scope === 'all' ? t('plans.scope.all') : `${cloudName(p.scope)} (${p.scope})`),
      item(t('plans.objective'), t('objective.' + p.objective)),
      item(t('plans.budget'), p.max_migrations === null ? t('plan.budget.none') : num(p.max_migrations)),
      item(t('col.proposer'), p.proposer),
      item(t('col.created'), when(p.created_at)),
      p.drain_hosts ? item(t('plans.hosts'), p.drain_hosts.join(', ')) : null));
  }

  function actionBar(gen, view, p, before) {
    const acts = planActions(p);
    if (!may.act()) return null;
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const run = async (act, path, body, confirmKey) => {
      if (confirmKey && !window.confirm(t(confirmKey, { id: p.id }))) return;
      err.hidden = true;
      bar.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        const fresh = await api(`/plans/${p.id}/${path}`, { method: 'POST', body });
        if (!current(gen)) return;
        drawPlan(gen, view, fresh, before);
        const st = view.querySelector('[data-testid=action-status]');
        if (st) st.textContent = t('act.done.' + act);
      } catch (e) {
        err.textContent = e.detail || String(e);
        err.hidden = false;
        bar.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    };
    const rejectForm = h('form', { class: 'reject-form', hidden: true, 'data-testid': 'reject-form' },
      h('label', { for: 'reject-reason' }, t('reject.reason')),
      h('textarea', { id: 'reject-reason', required: true, rows: '2', maxlength: '2000' }),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-danger', 'data-action': 'reject-confirm' }, t('reject.submit')),
        h('button', { type: 'button', class: 'btn', onclick: () => { rejectForm.hidden = true; } }, t('reject.cancel'))));
    rejectForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const reason = rejectForm.querySelector('textarea').value.trim();
      if (reason) run('reject', 'reject', { reason });
    });
    const btn = (act, cls, onclick) => h('button', { type: 'button', class: 'btn ' + cls, 'data-action': act, onclick }, t('act.' + act));
    const handlers = {
      dryrun: () => btn('dryrun', '', () => run('dryrun', 'dry-run')),
      approve: () => btn('approve', 'btn-primary', () => run('approve', 'approve')),
      reject: () => btn('reject', 'btn-danger-outline', () => { rejectForm.hidden = false; rejectForm.querySelector('textarea').focus(); }),
      execute: () => btn('execute', 'btn-primary', () => run('execute', 'execute', undefined, 'act.confirm.execute')),
      rollback: () => btn('rollback', 'btn-danger-outline', () => run('rollback', 'rollback', undefined, 'act.confirm.rollback')),
      cancel: () => btn('cancel', '', () => run('cancel', 'cancel', undefined, 'act.confirm.cancel')),
    };
    const bar = h('div', { class: 'actions', 'data-testid': 'plan-actions' },
      acts.length ? acts.map((a) => handlers[a]()) : h('span', { class: 'muted' }, t('act.none')));
    const status = h('span', { class: 'muted', role: 'status', 'data-testid': 'action-status' });
    return card(t('plan.actions'), bar, status, rejectForm, err);
  }

  function progressCard(p, live) {
    const pr = p.progress;
    const fwdDone = pr.forward_done || 0;
    const fwdFailed = pr.forward_failed || 0;
    const total = pr.total || 0;
    const rbTotal = p.rollback.length;
    const rbDone = pr.rollback_done || 0;
    const frac = total ? fwdDone / total : (p.state === 'succeeded' ? 1 : 0);
    return card(t('progress.title'),
      h('div', { class: 'progress', 'data-testid': 'progress', 'aria-live': 'polite' },
        h('div', { class: 'progress-line' },
          h('progress', { max: String(total || 1), value: String(total ? fwdDone : frac), 'aria-label': t('progress.title') }),
          h('span', {}, t('progress.forward', { done: num(fwdDone), total: num(total) }),
            fwdFailed ? [' · ', h('strong', { class: 'text-danger' }, t('progress.failed', { n: fwdFailed }))] : null)),
        rbTotal ? h('div', { class: 'progress-line' },
          h('progress', { max: String(rbTotal), value: String(rbDone), 'aria-label': t('rollback.title') }),
          h('span', {}, t('progress.rollback', { done: num(rbDone), total: num(rbTotal) }))) : null,
        live ? h('span', { class: 'live' }, h('span', { class: 'pulse', 'aria-hidden': 'true' }), t('progress.live')) : null));
  }

  function statsCard(p, before) {
    const st = p.stats || {};
    const rows = [
      before !== null ? [t('stats.active_before'), before, 'before'] : null,
      [t('stats.active'), st.active_hosts, 'after'],
      [t('stats.bound'), st.lower_bound_hosts, 'bound'],
    ].filter(Boolean);
    const max = Math.max(1, ...rows.map((r) => r[1] || 0));
    const W = 420, rowH = 30, labelW = 130;
    const svg = s('svg', { viewBox: `0 0 ${W} ${rows.length * rowH + 6}`, class: 'chart', role: 'img',
      'aria-label': rows.map((r) => `${r[0]} ${r[1]}`).join('; ') },
    rows.map((r, i) => {
      const w = ((r[1] || 0) / max) * (W - labelW - 50);
      return s('g', { transform: `translate(0 ${i * rowH + 4})` },
        s('text', { x: 0, y: 17, class: 'chart-label' }, r[0]),
        s('rect', { x: labelW, y: 3, width: Math.max(w, 1), height: 20, rx: 3, class: 'c-' + r[2] }),
        s('text', { x: labelW + w + 6, y: 18, class: 'chart-value' }, num(r[1])));
    }));
    const gap = (st.active_hosts || 0) - (st.lower_bound_hosts || 0);
    const item = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
    return card(t('stats.title'), h('div', { 'data-testid': 'plan-stats' }, svg,
      h('p', { class: 'small' }, gap > 0 ? t('stats.gap', { n: num(gap) }) : t('stats.optimal')),
      h('dl', { class: 'meta compact' },
        item(t('stats.migrations'), num(st.migrations)),
        item(t('stats.peak'), pct(st.peak_utilisation, 1)),
        item(t('stats.solve'), `${num(st.solve_seconds, 2)} s`),
        item(t('stats.status'), st.status || '–'))));
  }

  function approvalsCard(p) {
    if (!p.approvals.length) return card(t('approvals.title'), h('p', { class: 'muted' }, t('approvals.none')));
    return card(t('approvals.title'), h('p', { class: 'muted small' }, t('approvals.desc')),
      table(t('approvals.title'), [t('col.approval_scope'), t('col.rules'), t('col.reason'), t('col.moves'), t('col.approved')],
        p.approvals.map((a) => h('tr', { 'data-testid': 'approval-row', 'data-key': a.key, 'data-approved': a.approved_by ? 'true' : 'false' },
          h('th', { scope: 'row' }, approvalLabel(a.key)),
          h('td', { class: 'small' }, a.rules.join(', ')),
          h('td', { class: 'small' }, a.reasons.join('; ')),
          h('td', { class: 'num' }, num(a.moves)),
          h('td', {}, a.approved_by ? badge('approval', 'done', t('approval.done', { user: a.approved_by, t: when(a.approved_at) }))
            : badge('approval', 'pending', t('approval.pending'))))),
        { class: 'data' }));
  }

  function movesTable(moves, rollback) {
    return table(t('moves.title'), [t('col.step'), t('col.workload'), t('col.from'), t('col.to'), t('col.reason'), t('col.move_state')],
      moves.map((m) => h('tr', { 'data-testid': rollback ? 'rollback-row' : 'move-row', 'data-state': m.state || '' },
        h('th', { scope: 'row', class: 'num' }, num(m.step)),
        h('td', {}, h('a', { href: `#/why/${encodeURIComponent(m.workload)}` }, m.workload)),
        h('td', {}, m.from ? hostLink(m.from) : h('span', { class: 'muted' }, t('moves.new'))),
        h('td', {}, hostLink(m.to)),
        h('td', { class: 'small' }, m.reason),
        h('td', {}, m.state ? badge('move', m.state, t('move.' + m.state)) : '–',
          m.error ? h('div', { class: 'small text-danger' }, m.error) : null))),
      { class: 'data' });
  }
  const hostLink = (id) => (may.hosts() ? h('a', { href: `#/hosts/${id}` }, id) : id);

  function movesCard(p) {
    return card(t('moves.title'), p.moves.length ? movesTable(p.moves, false) : h('p', { class: 'muted' }, t('moves.empty')));
  }

  function dryRunCard(d) {
    return card(t('dryrun.title'), h('div', { 'data-testid': 'dry-run', 'data-ok': String(d.ok) },
      h('p', { class: d.ok ? 'text-ok' : 'text-danger' }, h('strong', {}, d.ok ? '✓ ' + t('dryrun.ok') : '✗ ' + t('dryrun.bad')),
        h('span', { class: 'muted small' }, ` · ${when(d.at)}`)),
      d.stale ? h('p', {}, t('dryrun.stale', { r: d.stale })) : null,
      d.violations && d.violations.length ? h('ul', {}, d.violations.map((v) => h('li', { class: 'small' }, typeof v === 'string' ? v : JSON.stringify(v)))) : null));
  }

  // Per host: vCPU and memory share before (grey) and after (blue), one pair of bars each.
  function hostsChartCard(hosts) {
    const LIMIT = 60;
    const shown = hosts.slice(0, LIMIT);
    const res = ['vcpu', 'memory_gib'];
    const W = 720, labelW = 120, colW = (W - labelW) / res.length, barW = colW - 70, rowH = 34, top = 26;
    const svg = s('svg', { viewBox: `0 0 ${W} ${top + shown.length * rowH}`, class: 'chart hosts-chart', role: 'img',
      'aria-label': t('hostsChart.title') },
    res.map((r, j) => s('text', { x: labelW + j * colW, y: 14, class: 'chart-head' }, `${t('res.' + r)} (%)`)),
    shown.map((x, i) => s('g', { transform: `translate(0 ${top + i * rowH})` },
      s('text', { x: 0, y: 19, class: 'chart-label' }, x.host),
      res.map((r, j) => {
        const b = x.before[r] || 0, a = x.after[r] || 0, x0 = labelW + j * colW;
        return s('g', {},
          s('title', {}, `${x.host} ${t('res.' + r)}: ${t('hostsChart.before')} ${pct(b)} → ${t('hostsChart.after')} ${pct(a)}`),
          s('rect', { x: x0, y: 4, width: barW, height: 10, class: 'c-track' }),
          s('rect', { x: x0, y: 4, width: Math.min(b, 1) * barW, height: 10, class: 'c-before' }),
          s('rect', { x: x0, y: 17, width: barW, height: 10, class: 'c-track' }),
          s('rect', { x: x0, y: 17, width: Math.min(a, 1) * barW, height: 10, class: a > b ? 'c-after-up' : 'c-after-down' }),
          s('text', { x: x0 + barW + 6, y: 13, class: 'chart-value small' }, pct(b)),
          s('text', { x: x0 + barW + 6, y: 26, class: 'chart-value small' }, pct(a)));
      }))));
    return card(t('hostsChart.title'),
      h('div', { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch c-before' }), t('hostsChart.before')),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch c-after-up' }), t('hostsChart.after'))),
      h('div', { class: 'chart-scroll', 'data-testid': 'hosts-chart' }, svg),
      hosts.length > LIMIT ? h('p', { class: 'muted small' }, t('hostsChart.more', { n: LIMIT })) : null);
  }

  // ------------------------------------------------------------------ why

  async function pageWhy(gen, _params, workload) {
    await loadClouds();
    const input = h('input', { id: 'why-workload', name: 'workload', list: 'why-options', value: workload || '',
      placeholder: 'w-000123', autocomplete: 'off', required: true });
    const options = h('datalist', { id: 'why-options' });
    const form = h('form', { class: 'inline-form', role: 'search' },
      h('label', { for: 'why-workload' }, t('why.workload')), input, options,
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'explain' }, t('why.submit')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = input.value.trim();
      if (v) location.hash = `#/why/${encodeURIComponent(v)}`;
    });
    const out = h('div', {});
    paint(gen, pageHead(t('why.title'), t('why.desc')), card(null, form), out);
    api('/workloads?limit=500').then((pg) => {
      if (current(gen)) options.append(...pg.items.map((w) => h('option', { value: w.id }, w.name)));
    }).catch(() => {});
    if (!workload) return;
    out.replaceChildren(loading());
    const e = encodeURIComponent(workload);
    try {
      const [w, ex] = await Promise.all([api(`/workloads/${e}`), api(`/policy/explain?workload=${e}`)]);
      if (current(gen)) out.replaceChildren(whyResult(w, ex));
    } catch (err) {
      if (current(gen)) out.replaceChildren(errorBox(err));
    }
  }

  function whyResult(w, ex) {
    const item = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
    const rows = ex.clouds.map((c) => h('tr', { 'data-testid': 'why-row', 'data-cloud': c.cloud, 'data-allowed': String(c.allowed) },
      h('th', { scope: 'row' }, cloudName(c.cloud), cloudName(c.cloud) !== c.cloud ? h('div', { class: 'muted small' }, c.cloud) : null),
      h('td', {}, c.allowed ? badge('verdict', 'yes', '✓ ' + t('why.allowed')) : badge('verdict', 'no', '✗ ' + t('why.denied'))),
      h('td', {},
        c.checks.filter((k) => !k.passed).map((k) => h('div', { class: 'rule-line' }, h('code', {}, k.rule), ' ', k.message)),
        h('details', {}, h('summary', {}, t('why.checks')),
          h('ul', { class: 'checks' }, c.checks.map((k) => h('li', { class: k.passed ? 'text-ok' : 'text-danger' },
            `${k.passed ? '✓' : '✗'} `, h('code', {}, k.rule), ` ${k.message}`)))))));
    return h('div', { 'data-testid': 'why-result' },
      card(`${w.id} · ${w.name}`, h('dl', { class: 'meta' },
        item(t('col.department'), w.department),
        item(t('col.tier'), `${w.tier}${w.city ? ' · ' + w.city : ''}${w.industry ? ' · ' + w.industry : ''}`),
        item(t('col.classification'), `${w.classification} · MLPS ${w.mlps_level}`),
        item(t('why.current'), w.host ? `${cloudName(w.cloud)} · ${w.host}` : t('why.pending')),
        item(t('col.demand'), `${withUnit(w.demand.vcpu, 'vcpu', 1)} · ${withUnit(w.demand.memory_gib, 'memory_gib', 1)} · ${withUnit(w.demand.storage_gib, 'storage_gib')}`)),
      h('h3', {}, t('why.eligible')),
      h('div', { class: 'chips', 'data-testid': 'why-eligible' }, ex.eligible.length
        ? ex.eligible.map((c) => h('span', { class: 'chip chip-ok', 'data-cloud': c }, cloudName(c)))
        : h('span', { class: 'muted' }, t('why.none')))),
      card(null, table(t('why.title'), [t('col.cloud'), t('col.verdict'), t('col.why_detail')], rows, { class: 'data' })));
  }

  // ------------------------------------------------------------------ audit

  async function pageAudit(gen, params) {
    if (!may.audit()) { paint(gen, forbidden(t('forbidden.audit'))); return; }
    const size = 50;
    const offset = Math.max(0, Number(params.get('offset')) || 0);
    const action = params.get('action') || '';
    const q = `/audit/events?limit=${size}&offset=${offset}` + (action ? `&action=${encodeURIComponent(action)}` : '');
    const [v, page] = await Promise.all([api('/audit/verify'), api(q)]);
    const verdict = h('div', {
      class: 'alert ' + (v.intact ? 'alert-ok' : 'alert-error'), role: v.intact ? 'status' : 'alert',
      'data-testid': 'audit-verdict', 'data-intact': String(v.intact),
    }, h('strong', {}, v.intact ? '✓ ' + t('audit.intact', { n: num(v.events) }) : '✗ ' + t('audit.broken', { id: v.broken_at, reason: v.reason })));
    const input = h('input', { id: 'audit-action', value: action, placeholder: 'plan.approved' });
    const form = h('form', { class: 'inline-form', role: 'search' },
      h('label', { for: 'audit-action' }, t('audit.filter')), input,
      h('button', { type: 'submit', class: 'btn' }, t('audit.apply')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      location.hash = '#/audit' + (input.value.trim() ? `?action=${encodeURIComponent(input.value.trim())}` : '');
    });
    // Long changes (an inventory sync lists ids) are cut on screen; the whole JSON is in the tooltip.
    const compact = (o) => {
      const full = o === null || o === undefined ? '' : JSON.stringify(o);
      return full.length > 160 ? h('span', { title: full }, full.slice(0, 160) + '…') : full;
    };
    const rows = page.items.map((e) => h('tr', { 'data-testid': 'audit-row' },
      h('th', { scope: 'row', class: 'num' }, num(e.id)),
      h('td', { class: 'small nowrap' }, when(e.at)),
      h('td', {}, e.actor),
      h('td', {}, h('code', {}, e.action)),
      h('td', { class: 'small' }, `${e.entity} ${e.entity_id}`),
      h('td', { class: 'small change' }, e.before !== null ? h('div', { class: 'muted' }, compact(e.before)) : null, compact(e.after)),
      h('td', { class: 'small mono', title: e.hash }, e.hash.slice(0, 12) + '…')));
    const nav = (label, off, disabled) => h('a', {
      class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null,
      href: disabled ? null : `#/audit?offset=${off}` + (action ? `&action=${encodeURIComponent(action)}` : ''),
    }, label);
    paint(gen, pageHead(t('audit.title')), verdict, card(null, form,
      table(t('audit.title'), [t('col.id'), t('col.at'), t('col.actor'), t('col.action'), t('col.entity'), t('col.change'), t('col.hash')],
        rows, { class: 'data', 'data-testid': 'audit-table' }),
      h('div', { class: 'pager' },
        nav(t('audit.prev'), Math.max(0, offset - size), offset === 0),
        h('span', { class: 'muted small' }, t('audit.page', { from: num(page.total ? offset + 1 : 0), to: num(offset + page.items.length), total: num(page.total) })),
        nav(t('audit.next'), offset + size, offset + size >= page.total))));
  }

  // ------------------------------------------------------------------ quotas: a department's page and the approvers' inbox

  const QUOTA_RES = ['vcpu', 'memory_gib', 'gpu', 'storage_gib'];
  const qfield = (id, label, control, hint) => h('div', { class: 'field' },
    h('label', { for: id }, label), control, hint ? h('small', { class: 'muted' }, hint) : null);
  const amountText = (a) => QUOTA_RES.filter((r) => a[r] > 0).map((r) => withUnit(a[r], r, 1) + (r === 'memory_gib' ? ' ' + t('res.memory_gib') : r === 'storage_gib' ? ' ' + t('res.storage_gib') : '')).join(' · ') || '–';
  const verdictBadge = (f) => (f ? h('div', { 'data-testid': 'feasibility', 'data-verdict': f.verdict },
    badge('verdict', f.verdict === 'short' ? 'no' : 'yes', (f.verdict === 'short' ? '✗ ' : '✓ ') + t('quota.verdict.' + f.verdict, { n: f.migrations })),
    h('div', { class: 'small' }, f.message)) : '–');

  function quotaBars(item) {
    return h('div', { class: 'quota-bars' }, QUOTA_RES.filter((r) => item.resources[r].quota > 0 || item.resources[r].used > 0).map((r) => {
      const x = item.resources[r];
      const frac = x.quota ? x.used / x.quota : (x.used ? 1 : 0);
      return h('div', { class: 'quota-bar', 'data-resource': r, 'data-quota': x.quota, 'data-used': x.used },
        h('div', { class: 'small' }, t('res.' + r)),
        bar(frac, `${num(x.used, 1)} / ${withUnit(x.quota, r, 1)}`),
        h('div', { class: 'muted small' }, t('quota.headroom', { n: withUnit(x.headroom, r, 1) }),
          x.borrowed > 0 ? ' · ' + t('quota.borrowed', { n: withUnit(x.borrowed, r, 1) }) : '',
          x.lent > 0 ? ' · ' + t('quota.lent', { n: withUnit(x.lent, r, 1) }) : ''));
    }));
  }

  function requestRows(items) {
    return items.map((q) => h('tr', { 'data-testid': 'request-row', 'data-id': q.id, 'data-state': q.state },
      h('th', { scope: 'row' }, `#${q.id}`),
      h('td', {}, q.department, h('div', { class: 'muted small' }, cloudName(q.cloud))),
      h('td', { class: 'small' }, amountText(q.amount)),
      h('td', {}, stateBadge(q.state)),
      h('td', {}, verdictBadge(q.feasibility)),
      h('td', { class: 'small' }, q.decision_reason ? `${q.decided_by}: ${q.decision_reason}` : (q.pending_approvals || []).map(approvalLabel).join(', ')),
      h('td', { class: 'small nowrap' }, when(q.created_at))));
  }

  async function downloadCsv() {
    const res = await fetch(API + '/quotas/usage?format=csv', { headers: { Authorization: 'Bearer ' + Q.token } });
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: 'quota-usage.csv' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function requestForm(depts) {
    const cloudIds = Object.values(Q.clouds).filter((c) => c.kind !== 'backup').map((c) => c.id);
    const dept = h('select', { id: 'q-department' }, depts.map((d) => h('option', { value: d }, d)));
    const cloud = h('select', { id: 'q-cloud' }, cloudIds.map((c) => h('option', { value: c }, `${cloudName(c)} (${c})`)));
    const inputs = Object.fromEntries(QUOTA_RES.map((r) => [r, h('input', { id: 'q-' + r, type: 'number', min: '0', step: 'any', value: '0', inputmode: 'decimal' })]));
    const why = h('textarea', { id: 'q-justification', rows: '2' });
    const expires = h('input', { id: 'q-expires', type: 'date' });
    const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'request-quota' }, t('quota.submit'));
    const form = h('form', { 'data-testid': 'quota-request-form' },
      h('div', { class: 'form-grid' },
        qfield('q-department', t('col.department'), dept), qfield('q-cloud', t('col.cloud'), cloud),
        QUOTA_RES.map((r) => qfield('q-' + r, `${t('res.' + r)} (${UNITS[r]})`, inputs[r])),
        qfield('q-expires', t('quota.expires'), expires, t('quota.expires.hint'))),
      qfield('q-justification', t('quota.justification'), why),
      h('div', { class: 'form-actions' }, submit, status), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const amount = Object.fromEntries(QUOTA_RES.map((r) => [r, Number(inputs[r].value || 0)]));
      const body = { department: dept.value, cloud: cloud.value, amount, justification: why.value.trim() };
      if (expires.value) body.expires_at = expires.value + 'T00:00:00+08:00';
      submit.disabled = true; err.hidden = true; status.textContent = t('quota.checking');
      try {
        await api('/quota-requests', { body });
        route();
      } catch (e) {
        err.textContent = e.detail || String(e); err.hidden = false; status.textContent = ''; submit.disabled = false;
      }
    });
    return card(t('quota.form.title'), h('p', { class: 'muted' }, t('quota.form.desc')), form);
  }

  async function pageQuotas(gen) {
    await loadClouds();
    const [usage, reqs] = await Promise.all([api('/quotas/usage'), api('/quota-requests?limit=100')]);
    const depts = [...new Set([...(Q.me.scope && role() === 'department-admin' ? [Q.me.scope] : []), ...usage.items.map((i) => i.department)])];
    const rows = usage.items.map((i) => h('tr', { 'data-testid': 'quota-row', 'data-department': i.department, 'data-cloud': i.cloud, 'data-over': String(i.over_quota) },
      h('th', { scope: 'row' }, i.department, i.parent ? h('div', { class: 'muted small' }, t('quota.under', { p: i.parent })) : null),
      h('td', {}, cloudName(i.cloud)),
      h('td', {}, quotaBars(i))));
    paint(gen,
      pageHead(t('quota.title'), t('quota.desc')),
      card(t('quota.usage'), h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn', 'data-action': 'csv', onclick: downloadCsv }, t('quota.csv'))),
        rows.length ? table(t('quota.usage'), [t('col.department'), t('col.cloud'), t('quota.usage.col')], rows, { class: 'data', 'data-testid': 'quota-table' })
          : h('p', { class: 'muted' }, t('quota.none'))),
      role() === 'department-admin' || role() === 'province-operator' ? requestForm(depts) : null,
      card(t('quota.requests'), reqs.items.length
        ? table(t('quota.requests'), [t('col.id'), t('col.department'), t('quota.amount'), t('col.state'), t('quota.feasibility'), t('quota.decision'), t('col.created')],
          requestRows(reqs.items), { class: 'data', 'data-testid': 'requests-table' })
        : h('p', { class: 'muted' }, t('quota.requests.none'))));
  }

  async function pageInbox(gen) {
    if (!may.decideQuotas()) { paint(gen, forbidden(t('forbidden.inbox'))); return; }
    await loadClouds();
    const page = await api('/quota-requests?awaiting=me&limit=100');
    const rows = page.items.map((q) => {
      const reason = h('input', { class: 'reason', 'aria-label': t('quota.reason'), placeholder: t('quota.reason') });
      const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
      const act = async (what) => {
        if (what === 'reject' && !reason.value.trim()) { err.textContent = t('quota.reason.needed'); err.hidden = false; return; }
        try {
          await api(`/quota-requests/${q.id}/${what}`, { body: { reason: reason.value.trim() } });
          route();
        } catch (e) { err.textContent = e.detail || String(e); err.hidden = false; }
      };
      return h('tr', { 'data-testid': 'inbox-row', 'data-id': q.id },
        h('th', { scope: 'row' }, `#${q.id}`),
        h('td', {}, q.department, h('div', { class: 'muted small' }, `${cloudName(q.cloud)} · ${q.requester}`)),
        h('td', { class: 'small' }, amountText(q.amount), q.expires_at ? h('div', { class: 'muted' }, t('quota.until', { d: when(q.expires_at) })) : null),
        h('td', { class: 'small' }, q.justification),
        h('td', {}, verdictBadge(q.feasibility)),
        h('td', { class: 'small' }, q.required_approvals.map((a) => h('div', {}, approvalLabel(a.key), a.approved_by ? ` ✓ ${a.approved_by}` : ''))),
        h('td', {}, reason,
          h('div', { class: 'form-actions' },
            h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve', onclick: () => act('approve') }, t('quota.approve')),
            h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'reject', onclick: () => act('reject') }, t('quota.reject'))),
          err));
    });
    paint(gen, pageHead(t('inbox.title'), t('inbox.desc')),
      card(null, rows.length ? table(t('inbox.title'), [t('col.id'), t('col.department'), t('quota.amount'), t('quota.justification'),
        t('quota.feasibility'), t('quota.approvers'), t('quota.decide')], rows, { class: 'data', 'data-testid': 'inbox-table' })
        : h('p', { class: 'muted', 'data-testid': 'inbox-empty' }, t('inbox.empty'))));
  }

  // ------------------------------------------------------------------ DR drills (docs/drills.md)

  const DRILL_ROLES = ['dr-coordinator', 'province-operator'];
  const DRILL_DONE = ['closed', 'aborted'];
  const drillBadge = (st) => badge('drill', st, t('drill.state.' + st));
  // Minutes, or seconds under a minute (a live drill on the simulator recovers in seconds).
  const mins = (m, digits) => (m === null || m === undefined ? '–' : m > 0 && m < 1 ? `${num(m * 60, 1)}\u00a0${t('unit.s')}`
    : `${num(m, digits ?? 1)}\u00a0${t('unit.min')}`);
  const listOf = (xs) => xs.join(Q.lang === 'en' ? ', ' : '、');
  const dfield = (id, label, control, hint) => h('div', { class: 'field' },
    h('label', { for: id }, label), control, hint ? h('small', { class: 'muted', id: id + '-hint' }, hint) : null);
  const dl = (...items) => h('dl', { class: 'meta' }, items.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

  async function pageDrills(gen) {
    if (!DRILL_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.drills'))); return; }
    await loadClouds();
    const page = await api('/drills?limit=100');
    const rows = page.items.map((d) => h('tr', { 'data-testid': 'drill-row', 'data-drill': d.id, 'data-state': d.state },
      h('th', { scope: 'row' }, h('a', { href: `#/drills/${d.id}` }, `#${d.id}`)),
      h('td', {}, t('drill.mode.' + d.mode)),
      h('td', {}, listOf(d.clouds.map(cloudName))),
      h('td', {}, drillBadge(d.state), d.state_reason ? h('div', { class: 'muted small' }, d.state_reason) : null),
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
      }
    });
    return card(t('drill.form.title'), h('p', { class: 'muted' }, t('drill.form.desc')), form);
  }

  async function pageDrill(gen, _params, id) {
    if (!DRILL_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.drills'))); return; }
    await loadClouds();
    const d = await api(`/drills/${id}`);
    if (!current(gen)) return;
    const view = h('div', {});
    main().replaceChildren(view);
    await drawDrill(gen, view, d);
  }

  // While a drill runs its state and steps are polled every second; once it settles, its report is read once.
  async function drawDrill(gen, view, d) {
    const live = !DRILL_DONE.includes(d.state);
    let report = null;
    if (!live) {
      try { report = await api(`/drills/${d.id}/report`); } catch (e) { report = { error: e }; }
      if (!current(gen)) return;
    }
    view.replaceChildren(...[
      pageHead(h('span', {}, t('drill.title', { id: d.id }), ' ',
        h('span', { 'data-testid': 'drill-state', 'data-state': d.state }, drillBadge(d.state))),
      d.state_reason || null, h('a', { href: '#/drills', class: 'back' }, t('back.drills'))),
      card(null, dl(
        [t('drill.mode'), t('drill.mode.' + d.mode)],
        [t('drill.clouds'), listOf(d.clouds.map((c) => `${cloudName(c)} (${c})`))],
        [t('drill.starter'), d.schedule ? `${d.starter} · ${d.schedule}` : d.starter],
        [t('drill.started'), when(d.started_at)],
        d.mode === 'live' ? [t('drill.failedover'), when(d.failed_over_at)] : null,
        [t('drill.closed'), when(d.closed_at)])),
      drillProgress(d, live),
      report && report.error ? errorBox(report.error) : null,
      report && !report.error ? drillReport(d, report) : null,
    ].filter(Boolean));
    if (live) {
      Q.timers.push(setTimeout(async () => {
        if (!current(gen)) return;
        let fresh = d;
        try { fresh = await api(`/drills/${d.id}`); } catch (_) { /* try again on the next tick */ }
        if (current(gen)) drawDrill(gen, view, fresh);
      }, 1000));
    }
  }

  function drillProgress(d, live) {
    let steps = ['planned', 'failing-over', 'failed-over', 'failing-back', 'closed'];
    if (d.mode === 'tabletop') steps = ['planned', 'closed'];
    if (['aborting', 'aborted'].includes(d.state)) steps = ['planned', 'failing-over', 'aborting', 'aborted'];
    const at = steps.indexOf(d.state);
    const ol = h('ol', { class: 'steps', 'data-testid': 'drill-steps', 'aria-label': t('drill.steps') }, steps.map((st, i) => {
      const cls = i < at || (i === at && !live) ? 'done' : i === at ? 'now' : 'todo';
      return h('li', { class: 'step step-' + cls, 'data-step': st, 'aria-current': i === at ? 'step' : null },
        h('span', { class: 'step-dot', 'aria-hidden': 'true' }, cls === 'done' ? '✓' : String(i + 1)),
        h('span', {}, t('drill.state.' + st)));
    }));
    const pr = d.progress || {};
    const line = (name) => {
      const x = pr[name];
      if (!x) return null;
      const done = x.done || 0, failed = x.failed || 0, total = x.total || 0;
      return h('div', { class: 'progress-line', 'data-testid': 'drill-plan-' + name, 'data-done': done, 'data-total': total },
        h('span', { class: 'progress-label' }, t('drill.plan.' + name)),
        h('progress', { max: String(total || 1), value: String(total ? done : 0), 'aria-label': t('drill.plan.' + name) }),
        h('span', {}, t('progress.forward', { done: num(done), total: num(total) }),
          failed ? [' · ', h('strong', { class: 'text-danger' }, t('progress.failed', { n: failed }))] : null,
          x.state ? [' · ', stateBadge(x.state)] : null,
          x.plan ? [' · ', h('a', { href: `#/plans/${x.plan}` }, t('drill.plan.link', { id: x.plan }))] : null));
    };
    return card(t('progress.title'), h('div', { class: 'progress', 'data-testid': 'drill-progress', 'aria-live': 'polite' },
      ol, line('failover'), line('failback'),
      d.mode === 'tabletop' && pr.moves !== undefined
        ? h('p', { class: 'small' }, t('drill.tabletop.progress', { moves: num(pr.moves), protected: num(pr.protected) })) : null,
      live ? h('span', { class: 'live' }, h('span', { class: 'pulse', 'aria-hidden': 'true' }), t('drill.live')) : null));
  }

  function drillReport(d, r) {
    const sm = r.summary;
    const measured = r.basis === 'measured';
    const basisNote = t(measured ? 'drill.basis.measured' : 'drill.basis.predicted');
    const tiles = h('div', { class: 'tiles', 'data-testid': 'drill-summary' },
      tile(t('drill.sum.protected'), num(sm.protected), t('drill.sum.notprotected', { n: num(sm.not_protected) }), 'drill-protected'),
      tile(t('drill.sum.within'), pct(sm.share_within_rto, 1), `${num(sm.within_rto)} / ${num(sm.protected)} · ${basisNote}`, 'drill-within'),
      tile(t('drill.sum.recovered'), num(sm.recovered), null, 'drill-recovered'),
      tile(t('drill.sum.didnotfit'), num(sm.did_not_fit), null, 'drill-didnotfit'),
      tile(t('drill.sum.slowest'), mins(sm.slowest_minutes, 2), null, 'drill-slowest'),
      tile(t('drill.sum.moves'), num(sm.plan_moves), sm.plan_seconds !== null && sm.plan_seconds !== undefined
        ? t('drill.sum.planned_in', { s: num(sm.plan_seconds, 2) }) : null, 'drill-moves'));
    const htmlBtn = h('button', { type: 'button', class: 'btn', 'data-action': 'html-report', onclick: () => openDrillHtml(d.id) }, t('drill.html'));
    return h('div', { 'data-testid': 'drill-report' },
      h('div', { class: 'report-head' }, h('h2', {}, t('drill.report')), htmlBtn),
      tiles,
      rtoCard(r),
      slowestCard(r),
      h('div', { class: 'three-col' }, didNotFitCard(r), capacityCard(r), failbackCard(d, r)));
  }

  // The HTML report needs the bearer token: fetch it, then show it from a blob in a new window (no scripts in it).
  async function openDrillHtml(id) {
    const w = window.open('', '_blank');  // opened inside the click, so no pop-up blocker stops it
    try {
      const res = await fetch(`${API}/drills/${id}/report?format=html`, { headers: { Authorization: 'Bearer ' + Q.token } });
      if (!res.ok) throw new Error(res.statusText);
      const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html;charset=utf-8' }));
      if (w) w.location.href = url; else window.location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      if (w) w.close();
      window.alert(String(e.message || e));
    }
  }

  // By priority: the share of systems back within RTO (green), back but late (amber), not back (red),
  // one bar per basis (predicted; measured too for a live drill). Then each system's time against its RTO.
  function rtoCard(r) {
    const bases = [['predicted', r.by_priority.predicted], ['measured', r.by_priority.measured]].filter(([, v]) => v && v.length);
    const prios = [...new Set(bases.flatMap(([, v]) => v.map((x) => x.priority)))].sort((a, b) => a - b);
    const W = 760, labelW = 150, barW = 400, rowH = 26, gap = 10;
    const rows = [];
    prios.forEach((p) => bases.forEach(([b, v]) => { const x = v.find((y) => y.priority === p); if (x) rows.push([p, b, x]); }));
    let y = 4, last = null;
    const groups = rows.map(([p, b, x]) => {
      if (last !== null && last !== p) y += gap;
      last = p;
      const g = s('g', { transform: `translate(0 ${y})`, 'data-testid': 'rto-bar', 'data-priority': p, 'data-basis': b,
        'data-systems': x.systems, 'data-within': x.within_rto, 'data-recovered': x.recovered },
      s('title', {}, t('drill.chart.row', { p, basis: t('drill.basis.' + b), within: x.within_rto, n: x.systems, late: x.recovered - x.within_rto, lost: x.systems - x.recovered })),
      s('text', { x: 0, y: 16, class: 'chart-label' }, `${t('drill.priority', { p })} · ${t('drill.basis.' + b)}`),
      s('rect', { x: labelW, y: 3, width: barW, height: 18, rx: 3, class: 'c-track' }));
      const seg = (from, n, cls) => {
        if (!n || !x.systems) return null;
        return s('rect', { x: labelW + (from / x.systems) * barW, y: 3, width: (n / x.systems) * barW, height: 18, class: cls });
      };
      append(g, [seg(0, x.within_rto, 'c-within'), seg(x.within_rto, x.recovered - x.within_rto, 'c-late'),
        seg(x.recovered, x.systems - x.recovered, 'c-lost'),
        s('text', { x: labelW + barW + 8, y: 16, class: 'chart-value' },
          `${num(x.within_rto)} / ${num(x.systems)} · ${pct(x.share_within_rto)} · ${t('drill.chart.median')} ${mins(x.median_minutes, 2)}`)]);
      y += rowH;
      return g;
    });
    const svg = s('svg', { viewBox: `0 0 ${W} ${y + 4}`, class: 'chart chart-wide', role: 'img', 'aria-label': t('drill.chart.title') }, groups);
    const table_ = table(t('drill.chart.title'), [t('drill.col.priority'), t('drill.col.basis'), t('drill.col.systems'), t('drill.col.recovered'),
      t('drill.col.within'), t('drill.col.share'), t('drill.col.median'), t('drill.col.max')],
    rows.map(([p, b, x]) => h('tr', { 'data-testid': 'priority-row', 'data-priority': p, 'data-basis': b },
      h('th', { scope: 'row' }, t('drill.priority', { p })), h('td', {}, t('drill.basis.' + b)),
      h('td', { class: 'num' }, num(x.systems)), h('td', { class: 'num' }, num(x.recovered)), h('td', { class: 'num' }, num(x.within_rto)),
      h('td', { class: 'num' }, pct(x.share_within_rto, 1)), h('td', { class: 'num' }, mins(x.median_minutes, 2)), h('td', { class: 'num' }, mins(x.max_minutes, 2)))),
    { class: 'data' });
    return card(t('drill.chart.title'),
      h('div', { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch c-within' }), t('drill.legend.within')),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch c-late' }), t('drill.legend.late')),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch c-lost' }), t('drill.legend.lost'))),
      h('div', { class: 'chart-scroll', 'data-testid': 'rto-chart' }, svg),
      systemsChart(r, prios),
      h('details', {}, h('summary', {}, t('drill.chart.table')), table_));
  }

  // Each protected system as a dot at its recovery time divided by its RTO: left of the line is within RTO.
  function systemsChart(r, prios) {
    const key = r.basis === 'measured' ? 'measured_minutes' : 'predicted_minutes';
    const sys = (r.systems || []).filter((x) => x[key] !== null && x[key] !== undefined && x.rto_minutes);
    if (!sys.length) return null;
    const W = 760, labelW = 150, plotW = 540, rowH = 28, top = 22;
    const maxR = Math.min(3, Math.max(1.2, ...sys.map((x) => x[key] / x.rto_minutes)));
    const X = (ratio) => labelW + (Math.min(ratio, maxR) / maxR) * plotW;
    const ticks = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3].filter((v) => v <= maxR + 1e-9);
    const svg = s('svg', { viewBox: `0 0 ${W} ${top + prios.length * rowH + 8}`, class: 'chart chart-wide', role: 'img',
      'aria-label': t('drill.dots.title'), 'data-testid': 'systems-chart' },
    ticks.map((v) => s('g', {},
      s('line', { x1: X(v), x2: X(v), y1: top - 4, y2: top + prios.length * rowH, class: v === 1 ? 'c-rto-line' : 'c-grid' }),
      s('text', { x: X(v), y: 12, class: 'chart-value small', 'text-anchor': 'middle' }, v === 1 ? 'RTO' : pct(v)))),
    prios.map((p, i) => s('g', { transform: `translate(0 ${top + i * rowH})` },
      s('text', { x: 0, y: 18, class: 'chart-label' }, t('drill.priority', { p })),
      sys.filter((x) => x.priority === p).map((x) => {
        const ok = x[key] <= x.rto_minutes;
        return s('circle', { cx: X(x[key] / x.rto_minutes), cy: 14, r: 4.5, class: ok ? 'c-dot-ok' : 'c-dot-late', 'data-workload': x.workload },
          s('title', {}, `${x.workload}: ${mins(x[key], 2)} / RTO ${mins(x.rto_minutes, 0)}`));
      }))));
    return h('div', {}, h('h3', {}, t('drill.dots.title')), h('p', { class: 'muted small' }, t('drill.dots.desc')),
      h('div', { class: 'chart-scroll' }, svg));
  }

  function slowestCard(r) {
    const key = r.basis === 'measured' ? 'measured_minutes' : 'predicted_minutes';
    if (!r.slowest.length) return card(t('drill.slowest'), h('p', { class: 'muted' }, t('none')));
    return card(t('drill.slowest'), table(t('drill.slowest'), [t('col.workload'), t('drill.col.priority'), t('drill.col.time'), 'RTO', t('drill.col.target')],
      r.slowest.map((x) => {
        const frac = x.rto_minutes ? x[key] / x.rto_minutes : null;
        return h('tr', { 'data-testid': 'slowest-row', 'data-workload': x.workload },
          h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/why/${encodeURIComponent(x.workload)}` }, x.workload), h('div', { class: 'muted small' }, cloudName(x.cloud))),
          h('td', { class: 'num' }, `P${x.priority}`),
          h('td', {}, bar(frac, mins(x[key], 2), frac !== null && frac > 1 ? 'over' : '')),
          h('td', { class: 'num' }, mins(x.rto_minutes, 0)),
          h('td', { class: 'small' }, x.to_host ? `${cloudName(x.to_cloud)} · ${x.to_host}` : '–'));
      }), { class: 'data' }));
  }

  function didNotFitCard(r) {
    const items = r.did_not_fit || [];
    return card(t('drill.didnotfit'), h('div', { 'data-testid': 'did-not-fit', 'data-count': items.length },
      items.length ? table(t('drill.didnotfit'), [t('col.workload'), t('drill.col.priority'), 'RTO', t('col.reason')],
        items.map((x) => h('tr', {},
          h('th', { scope: 'row' }, x.workload, h('div', { class: 'muted small' }, cloudName(x.cloud))),
          h('td', { class: 'num' }, `P${x.priority}`), h('td', { class: 'num' }, mins(x.rto_minutes, 0)),
          h('td', { class: 'small' }, x.reason || '–'))), { class: 'data' })
        : h('p', { class: 'text-ok' }, '✓ ' + t('drill.didnotfit.none')),
      r.not_protected && r.not_protected.count
        ? h('p', { class: 'muted small' }, t('drill.notprotected', { n: num(r.not_protected.count) }), r.not_protected.reason ? ` (${r.not_protected.reason})` : '') : null));
  }

  function capacityCard(r) {
    const c = r.capacity;
    if (!c) return card(t('drill.capacity'), h('p', { class: 'muted' }, '–'));
    const b = c.backup || {};
    const share = b.share_after || {};
    const facts = dl(
      [t('drill.capacity.where'), Object.entries(c.restarted_to || {}).map(([k, v]) => h('div', {}, `${cloudName(k)} · ${num(v)}`))],
      b.clouds ? [t('drill.capacity.backup'), ['vcpu', 'memory_gib', 'storage_gib'].filter((x) => share[x] !== undefined)
        .map((x) => h('div', { class: 'small' }, `${t('res.' + x)} ${pct(share[x], 1)}`))] : null,
      b.clouds ? [t('drill.capacity.reserve'), b.reserve_kept ? t('drill.capacity.kept', { p: pct(b.reserve_share) }) : h('span', { class: 'text-danger' }, t('drill.capacity.eaten', { p: pct(b.reserve_share) }))] : null);
    facts.classList.add('stack');
    return card(t('drill.capacity'), h('div', { 'data-testid': 'drill-capacity', 'data-holds': String(c.holds) },
      h('p', { class: c.holds ? 'text-ok' : 'text-danger' }, h('strong', {}, c.holds ? '✓ ' + t('drill.capacity.holds') : '✗ ' + t('drill.capacity.short', { n: num(c.unplaced) }))),
      facts));
  }

  function failbackCard(d, r) {
    const f = r.failback;
    if (!f) return card(t('drill.failback'), h('p', { class: 'muted', 'data-testid': 'drill-failback', 'data-state': 'none' }, t(d.mode === 'tabletop' ? 'drill.failback.tabletop' : 'drill.failback.none')));
    return card(t('drill.failback'), h('div', { 'data-testid': 'drill-failback', 'data-state': f.state },
      h('p', {}, stateBadge(f.state), ' ', t('drill.failback.moves', { done: num(f.done), total: num(f.moves) }),
        f.failed ? [' · ', h('strong', { class: 'text-danger' }, t('progress.failed', { n: f.failed }))] : null),
      f.state_reason ? h('p', { class: 'muted small' }, f.state_reason) : null,
      f.stayed && f.stayed.length
        ? [h('h3', {}, t('drill.failback.stayed')), h('ul', { class: 'small' }, f.stayed.map((x) => h('li', {}, typeof x === 'string' ? x : `${x.workload || ''} ${x.reason || ''}`)))]
        : h('p', { class: 'text-ok small' }, '✓ ' + t('drill.failback.home')),
      h('a', { href: `#/plans/${f.plan}` }, t('drill.plan.link', { id: f.plan }))));
  }

  // ------------------------------------------------------------------ data-zone jobs (docs/jobs.md)

  const JOB_ROLES = ['province-operator', 'city-operator', 'industry-operator', 'department-admin'];
  const jobBadge = (st) => badge('job', st, t('job.state.' + st));
  const JOB_EXAMPLE = `{
  "horizon": 600,
  "resources": {"vcpu": 16, "memory_gib": 64},
  "jobs": [
    {"id": "collect", "duration": 30, "demand": {"vcpu": 8, "memory_gib": 16}},
    {"id": "clean", "duration": 20, "demand": {"vcpu": 8}, "after": ["collect"], "deadline": 600},
    {"id": "publish", "duration": 5, "demand": {"vcpu": 2}, "after": ["clean"], "due": 120, "weight": 3}
  ]
}`;

  async function pageJobs(gen) {
    if (!JOB_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.jobs'))); return; }
    await loadClouds();
    const page = await api('/jobsets?limit=200');
    const rows = page.items.map((js) => h('tr', { 'data-testid': 'jobset-row', 'data-jobset': js.id },
      h('th', { scope: 'row' }, h('a', { href: `#/jobs/${js.id}` }, `#${js.id}${js.name ? ' · ' + js.name : ''}`)),
      h('td', {}, cloudName(js.cloud), js.clouds.length > 1 ? h('div', { class: 'muted small' }, t('jobs.fallback', { c: listOf(js.clouds.slice(1).map(cloudName)) })) : null),
      h('td', { class: 'small' }, js.department || '–'),
      h('td', { class: 'small' }, js.recurrence ? h('code', {}, js.recurrence) : t('jobs.once')),
      h('td', { class: 'num' }, num(js.jobs)),
      h('td', {}, js.run ? runBadge(js.run.state) : '–'),
      h('td', { class: 'num' }, js.run ? mins(js.run.makespan, 0) : '–'),
      h('td', { class: 'num' }, js.run ? num(js.run.replans) : '–'),
      h('td', { class: 'small nowrap' }, js.run ? when(js.run.anchor) : '–'),
      h('td', {}, js.owner)));
    paint(gen, pageHead(t('jobs.title'), t('jobs.desc')), jobForm(),
      card(t('jobs.list'), rows.length
        ? table(t('jobs.list'), [t('jobs.col.set'), t('col.cloud'), t('col.department'), t('jobs.recurrence'), t('jobs.col.jobs'),
          t('jobs.col.run'), t('jobs.col.makespan'), t('jobs.col.replans'), t('jobs.col.anchor'), t('jobs.col.owner')], rows,
        { class: 'data', 'data-testid': 'jobsets-table' })
        : h('p', { class: 'muted', 'data-testid': 'jobsets-empty' }, t('jobs.empty'))));
  }
  const runBadge = (st) => badge('run', st, t('run.state.' + st));

  function jobForm() {
    const local = ['city-operator', 'industry-operator'].includes(role());
    const ids = local ? [Q.me.scope] : Object.values(Q.clouds).filter((c) => c.kind !== 'backup').map((c) => c.id);
    const name = h('input', { id: 'j-name', name: 'name', placeholder: t('jobs.name.placeholder'), maxlength: '200' });
    const cloud = h('select', { id: 'j-cloud', name: 'cloud' }, ids.map((c) => h('option', { value: c }, `${cloudName(c)} (${c})`)));
    const rec = h('input', { id: 'j-recurrence', name: 'recurrence', placeholder: '0 2 * * *', 'aria-describedby': 'j-recurrence-hint', autocomplete: 'off' });
    const dept = role() === 'department-admin' ? null
      : h('input', { id: 'j-department', name: 'department', placeholder: t('jobs.department.placeholder'), autocomplete: 'off' });
    const doc = h('textarea', { id: 'j-document', name: 'document', rows: '11', spellcheck: 'false', class: 'mono code-area', 'aria-describedby': 'j-document-hint' }, JOB_EXAMPLE);
    const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit-jobset' }, t('jobs.submit'));
    const form = h('form', { 'data-testid': 'jobset-form', novalidate: true },
      h('div', { class: 'form-grid' },
        dfield('j-name', t('jobs.name'), name),
        dfield('j-cloud', t('col.cloud'), cloud),
        dfield('j-recurrence', t('jobs.recurrence'), rec, t('jobs.recurrence.hint')),
        dept ? dfield('j-department', t('jobs.department'), dept) : null),
      dfield('j-document', t('jobs.document'), doc, t('jobs.document.hint')),
      h('div', { class: 'form-actions' }, submit, status), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      let body;
      try {
        body = JSON.parse(doc.value);
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error(t('jobs.document.object'));
      } catch (e) {
        err.textContent = t('jobs.document.bad', { e: e.message }); err.hidden = false; doc.focus(); return;
      }
      body = { ...body, cloud: cloud.value, recurrence: rec.value.trim() || null };
      if (name.value.trim()) body.name = name.value.trim();
      if (dept && dept.value.trim()) body.department = dept.value.trim();
      submit.disabled = true; status.textContent = t('jobs.solving');
      try {
        const js = await api('/jobsets', { body });
        location.hash = `#/jobs/${js.id}`;
      } catch (e) {
        err.textContent = e.detail || String(e); err.hidden = false; status.textContent = ''; submit.disabled = false;
      }
    });
    return card(t('jobs.form.title'), h('p', { class: 'muted' }, t('jobs.form.desc')), form);
  }

  async function pageJobSet(gen, _params, id) {
    if (!JOB_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.jobs'))); return; }
    await loadClouds();
    const js = await api(`/jobsets/${id}`);
    if (!current(gen)) return;
    const view = h('div', {});
    main().replaceChildren(view);
    drawJobSet(gen, view, js);
  }

  // Job states change as dispatch runs them: the page re-reads the job set every 5 s while any job is open.
  function drawJobSet(gen, view, js) {
    const sc = js.schedule || {};
    const states = js.job_states || [];
    view.replaceChildren(...[
      pageHead(h('span', {}, t('jobs.set.title', { id: js.id }), js.name ? ` · ${js.name}` : ''),
        `${cloudName(js.cloud)} · ${js.recurrence ? t('jobs.every', { cron: js.recurrence }) : t('jobs.once')} · ${t('jobs.objective.' + js.objective)}`,
        h('a', { href: '#/jobs', class: 'back' }, t('back.jobs'))),
      h('div', { class: 'tiles', 'data-testid': 'jobset-tiles' },
        tile(t('jobs.col.run'), js.run ? runBadge(js.run.state) : '–', js.run ? t('jobs.anchor', { t: when(js.run.anchor) }) : null),
        tile(t('jobs.col.jobs'), num(states.length || js.jobs)),
        tile(t('jobs.col.makespan'), mins(sc.makespan, 0), null, 'jobset-makespan'),
        tile(t('jobs.bound'), mins(sc.lower_bound, 0), sc.status ? t('jobs.status.' + sc.status) : null, 'jobset-bound'),
        tile(t('jobs.col.replans'), num((js.replans || []).length))),
      js.run ? ganttCard(js) : card(null, h('p', { class: 'muted' }, t('jobs.norun'))),
      card(t('jobs.jobs'), jobsTable(js)),
      replansCard(js),
    ]);
    if (states.some((j) => ['pending', 'running', 'late'].includes(j.state))) {
      Q.timers.push(setTimeout(async () => {
        if (!current(gen)) return;
        try {
          const fresh = await api(`/jobsets/${js.id}`);
          if (current(gen)) drawJobSet(gen, view, fresh);
        } catch (_) { /* next visit */ }
      }, 5000));
    }
  }

  const isoMs = (iso) => Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
  const clock = (ms) => when(new Date(ms).toISOString()).slice(11, 16);

  function jobRows(js) {
    const minS = js.minute_s || 60;
    const anchor = isoMs(js.run.anchor);
    const toMin = (iso) => (iso ? (isoMs(iso) - anchor) / 1000 / minS : null);
    const src = Object.fromEntries((js.document.jobs || []).map((j) => [j.id, j]));
    const starts = (js.schedule && js.schedule.starts) || {};
    const rows = (js.job_states && js.job_states.length ? js.job_states : (js.document.jobs || []).map((j) => ({ id: j.id, state: 'pending', duration_min: j.duration })))
      .map((j) => ({
        ...j,
        planned: j.planned_start ? toMin(j.planned_start) : (starts[j.id] ?? 0),
        first: toMin(j.first_planned_start),
        actual: toMin(j.actual_start),
        demand: (src[j.id] || {}).demand || {},
        after: (src[j.id] || {}).after || [],
      }));
    return { rows, anchor, minS };
  }

  // The Gantt chart: one row per job (its bar at the planned start, as long as its duration, coloured by
  // state; the first plan dashed when a re-plan moved it; the actual start marked when it differs), and under
  // it, per resource, the hourly capacity the forecast leaves (step line) against the schedule's use (area).
  function ganttCard(js) {
    const { rows, anchor, minS } = jobRows(js);
    const fc = js.forecast || { slot: 60, levels: {} };
    const slot = fc.slot || 60;
    const peak = js.document.resources || {};
    const resources = Object.keys(peak);
    const lastEnd = Math.max(js.schedule.makespan || 0, ...rows.map((j) => Math.max(j.planned, j.actual ?? 0, j.first ?? 0) + (j.duration_min || 0)));
    const end = Math.max(slot, Math.ceil(lastEnd / slot) * slot);
    const W = 980, labelW = 120, right = 20, plotW = W - labelW - right, rowH = 26, top = 34, panelH = 64, panelGap = 22;
    const X = (m) => labelW + (m / end) * plotW;
    const every = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440].find((c) => end / c <= 12) || slot * Math.ceil(end / slot / 12);
    const ticks = [];
    for (let m = 0; m <= end + 1e-9; m += every) ticks.push(m);
    const ganttH = top + rows.length * rowH;
    const totalH = ganttH + 12 + resources.length * (panelH + panelGap);
    const grid = ticks.map((m) => s('g', {},
      s('line', { x1: X(m), x2: X(m), y1: top - 6, y2: totalH - 4, class: 'c-grid' }),
      s('text', { x: X(m), y: 12, class: 'chart-value small', 'text-anchor': m === 0 ? 'start' : m >= end ? 'end' : 'middle' }, clock(anchor + m * minS * 1000)),
      s('text', { x: X(m), y: 24, class: 'chart-value small', 'text-anchor': m === 0 ? 'start' : m >= end ? 'end' : 'middle' }, `+${num(m)}\u00a0${t('unit.min')}`)));
    const bars = rows.map((j, i) => {
      const y = top + i * rowH;
      const dur = j.duration_min || 0;
      const moved = j.first !== null && Math.abs(j.first - j.planned) >= 0.5;
      const startedOff = j.actual !== null && Math.abs(j.actual - j.planned) >= 0.5;
      const label = t('gantt.bar', { id: j.id, state: t('job.state.' + j.state), start: clock(anchor + j.planned * minS * 1000), d: num(dur) }) +
        (startedOff ? ' · ' + t('gantt.actual', { t: clock(anchor + j.actual * minS * 1000) }) : '') +
        (moved ? ' · ' + t('gantt.first', { t: clock(anchor + j.first * minS * 1000) }) : '');
      return s('g', { 'data-testid': 'gantt-row', 'data-job': j.id, 'data-state': j.state, 'data-start': j.planned, 'data-duration': dur },
        s('title', {}, label),
        s('text', { x: labelW - 8, y: y + 17, class: 'chart-label', 'text-anchor': 'end' }, j.id.length > 16 ? j.id.slice(0, 15) + '…' : j.id),
        moved ? s('rect', { x: X(j.first), y: y + 4, width: Math.max(2, X(j.first + dur) - X(j.first)), height: 18, rx: 3, class: 'g-first' }) : null,
        s('rect', { x: X(j.planned), y: y + 4, width: Math.max(2, X(j.planned + dur) - X(j.planned)), height: 18, rx: 3, class: 'g-bar g-' + j.state, 'data-testid': 'gantt-bar' }),
        startedOff ? s('path', { d: `M${X(j.actual)} ${y + 1} l-5 -0 l5 7 l5 -7 z M${X(j.actual) - 0.75} ${y + 6} h1.5 v18 h-1.5 z`, class: 'g-actual', 'data-testid': 'gantt-actual' }) : null);
    });
    const panels = resources.map((r, k) => {
      const y0 = ganttH + 12 + k * (panelH + panelGap) + panelGap - 6;
      const levels = (fc.levels && fc.levels[r]) || [];
      const capAt = (m) => { const i = Math.floor(m / slot); return i < levels.length ? levels[i] : peak[r]; };
      // The schedule's use of r: a step function over the start and end minutes of the jobs.
      const cuts = [...new Set([0, end, ...rows.flatMap((j) => [j.planned, j.planned + (j.duration_min || 0)]),
        ...Array.from({ length: Math.ceil(end / slot) + 1 }, (_, i) => i * slot)].filter((m) => m >= 0 && m <= end))].sort((a, b) => a - b);
      const useAt = (m) => rows.reduce((a, j) => a + (j.state !== 'failed' && m >= j.planned && m < j.planned + (j.duration_min || 0) ? (j.demand[r] || 0) : 0), 0);
      const maxV = Math.max(1e-9, peak[r] || 0, ...levels, ...cuts.map(useAt));
      const Y = (v) => y0 + panelH - (v / maxV) * panelH;
      let area = `M${X(0)} ${Y(0)}`, line = '';
      cuts.slice(0, -1).forEach((m, i) => {
        const u = useAt(m), c = capAt(m), m2 = cuts[i + 1];
        area += ` L${X(m)} ${Y(u)} L${X(m2)} ${Y(u)}`;
        line += `${i ? ' L' : 'M'}${X(m)} ${Y(c)} L${X(m2)} ${Y(c)}`;
      });
      area += ` L${X(end)} ${Y(0)} Z`;
      const minCap = Math.min(...cuts.slice(0, -1).map(capAt));
      const maxUse = Math.max(...cuts.map(useAt));
      return s('g', { 'data-testid': 'capacity-panel', 'data-resource': r },
        s('title', {}, t('gantt.panel', { r: t('res.' + r), cap: num(minCap, 1), use: num(maxUse, 1), unit: UNITS[r] || '' })),
        s('text', { x: labelW - 8, y: y0 + 12, class: 'chart-label', 'text-anchor': 'end' }, t('res.' + r)),
        s('text', { x: labelW - 8, y: y0 + 26, class: 'chart-value small', 'text-anchor': 'end' }, `${num(maxV, 1)}\u00a0${UNITS[r] || ''}`),
        s('line', { x1: X(0), x2: X(end), y1: Y(0), y2: Y(0), class: 'c-axis' }),
        s('path', { d: area, class: 'g-use' }),
        s('path', { d: line, class: 'g-cap', 'data-testid': 'capacity-line' }));
    });
    const svg = s('svg', { viewBox: `0 0 ${W} ${totalH}`, class: 'chart gantt', role: 'img',
      'aria-label': t('gantt.aria', { n: rows.length, m: num(js.schedule.makespan) }) }, grid, bars, panels);
    const sw = (cls, label) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch ' + cls }), label);
    return card(t('gantt.title'), h('p', { class: 'muted small' }, t('gantt.desc')),
      h('div', { class: 'legend', 'aria-hidden': 'true' },
        ['pending', 'running', 'done', 'late', 'failed'].map((st) => sw('g-' + st, t('job.state.' + st))),
        sw('g-first', t('gantt.legend.first')), sw('g-actual', t('gantt.legend.actual')),
        sw('g-cap', t('gantt.legend.cap')), sw('g-use', t('gantt.legend.use'))),
      h('div', { class: 'chart-scroll', 'data-testid': 'gantt' }, svg));
  }

  function jobsTable(js) {
    if (!js.run) return h('p', { class: 'muted' }, t('jobs.norun'));
    const { rows } = jobRows(js);
    const dem = (d) => Object.entries(d).map(([r, v]) => withUnit(v, r, 1) + (r === 'memory_gib' || r === 'storage_gib' ? ' ' + t('res.' + r) : '')).join(' · ') || '–';
    return table(t('jobs.jobs'), [t('jobs.col.job'), t('col.state'), t('jobs.col.duration'), t('col.demand'), t('jobs.col.after'),
      t('jobs.col.planned'), t('jobs.col.actual'), t('jobs.col.attempts')],
    rows.map((j) => h('tr', { 'data-testid': 'job-row', 'data-job': j.id, 'data-state': j.state },
      h('th', { scope: 'row' }, j.id),
      h('td', {}, jobBadge(j.state), j.error ? h('div', { class: 'small text-danger' }, j.error) : null),
      h('td', { class: 'num' }, mins(j.duration_min, 0)),
      h('td', { class: 'small' }, dem(j.demand)),
      h('td', { class: 'small' }, j.after.length ? listOf(j.after) : '–'),
      h('td', { class: 'small nowrap' }, when(j.planned_start),
        j.first_planned_start && j.first_planned_start !== j.planned_start ? h('div', { class: 'muted' }, t('jobs.firstplan', { t: when(j.first_planned_start) })) : null),
      h('td', { class: 'small nowrap' }, when(j.actual_start), j.finished_at ? h('div', { class: 'muted' }, t('jobs.finished', { t: when(j.finished_at) })) : null),
      h('td', { class: 'num' }, num(j.attempts)))),
    { class: 'data', 'data-testid': 'jobs-table' });
  }

  function replansCard(js) {
    const items = js.replans || [];
    return card(t('jobs.replans'), items.length
      ? table(t('jobs.replans'), [t('col.at'), t('col.reason'), t('jobs.col.moved'), t('jobs.col.relaxed'), t('jobs.col.makespan'), t('stats.status')],
        items.slice().reverse().map((e) => h('tr', { 'data-testid': 'replan-row' },
          h('th', { scope: 'row', class: 'small nowrap' }, when(e.at), h('div', { class: 'muted' }, t('jobs.fromminute', { m: num(e.from_minute) }))),
          h('td', { class: 'small' }, e.reason),
          h('td', { class: 'small' }, Object.keys(e.changed || {}).length
            ? h('ul', { class: 'plain' }, Object.entries(e.changed).map(([j, c]) => h('li', {}, h('code', {}, j), ` ${when(c.from).slice(11, 16)} → ${when(c.to).slice(11, 16)}`)))
            : t('jobs.nomoves')),
          h('td', {}, e.deadlines_relaxed ? badge('verdict', 'no', t('jobs.relaxed.yes')) : t('jobs.relaxed.no')),
          h('td', { class: 'num' }, mins(e.makespan, 0)),
          h('td', { class: 'small' }, e.status))), { class: 'data', 'data-testid': 'replans-table' })
      : h('p', { class: 'muted', 'data-testid': 'replans-empty' }, t('jobs.replans.none')));
  }

  // ------------------------------------------------------------------ the public data platform (docs/data-platform.md)
  // Catalog, sharing and open data: three modules hosted as tenants of the scheduler. The API decides who may
  // do what; the console offers a form only to the roles the spec lets use it.

  const DATA_ROUTES = ['#/catalog', '#/sharing', '#/opendata', '#/platform'];
  const SHARE_ROLES = ['department-admin', 'data-authority', 'province-operator', 'auditor'];
  const COMPLIANCE_ROLES = ['data-authority', 'province-operator', 'auditor', 'department-admin'];
  const SCAN_ROLES = ['data-authority', 'province-operator'];
  const DP = {
    category: ['base', 'theme', 'department'],
    grade: ['general', 'important', 'core'],
    frequency: ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'],
    share: ['unconditional', 'conditional', 'none'],
    open: ['open', 'conditional', 'closed'],
    types: ['string', 'integer', 'decimal', 'date', 'datetime', 'boolean', 'binary'],
    requestStates: ['pending-owner', 'pending-authority', 'approved', 'rejected'],
    targets: [{ year: 2024, target: 20000 }, { year: 2025, target: 25000 }],
  };
  const PAGE_SIZE = 50;
  const isAuthority = () => role() === 'data-authority';
  const isDeptAdmin = () => role() === 'department-admin';
  // A label from the dictionary, or the value itself when the dictionary does not know it.
  const tx = (key, value) => { const s = t(key); return s === key ? String(value) : s; };
  const dpLabel = (kind, v) => (v === null || v === undefined || v === '' ? '–' : tx(`dp.${kind}.${v}`, v));
  const dpBadge = (kind, v) => badge(kind, v, dpLabel(kind, v));
  const qs = (o) => {
    const p = new URLSearchParams();
    Object.entries(o).forEach(([k, v]) => { if (v !== null && v !== undefined && v !== '') p.set(k, v); });
    const str = p.toString();
    return str ? '?' + str : '';
  };
  const deptName = (id, name) => (name && name !== id ? `${name} (${id})` : id || '–');
  const shortHash = (x) => (x ? h('code', { title: x, 'data-testid': 'signature' }, x.slice(0, 10) + '…') : '–');

  // The departments the user may speak for (a department admin's own, with those under it) and every
  // department's name: one read of /departments, kept until logout.
  async function loadDepartments() {
    if (!Q.depts || Q.depts.user !== (Q.me && Q.me.username)) {
      const items = await all('/departments');
      Q.depts = { user: Q.me && Q.me.username, items, ids: new Set(items.map((d) => d.id)) };
    }
    return Q.depts;
  }
  const ownsEntry = (e) => isAuthority() || (isDeptAdmin() && Q.depts && Q.depts.ids.has(e.owner_department));
  const ownsDept = (id) => isDeptAdmin() && Q.depts && Q.depts.ids.has(id);
  const deptLabel = (d) => `${Q.lang === 'en' && d.name_en ? d.name_en : d.name} (${d.id})`;

  // An error from the API under a form: its message, the field it names, and that field marked invalid.
  function errText(e) {
    if (!e || !e.detail) return String(e);
    if (e.status === 429) return t('dp.error.ratelimited', { s: e.retryAfter || '?' }) + ' ' + e.detail;
    return e.field && !String(e.detail).startsWith(e.field) ? t('dp.error.field', { field: e.field, message: e.detail }) : e.detail;
  }
  function showError(box, form, e) {
    box.textContent = errText(e);
    box.hidden = false;
    if (form) {
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      const target = e && e.field ? form.querySelector(`[name="${CSS.escape(e.field)}"]`) : null;
      if (target) { target.setAttribute('aria-invalid', 'true'); target.focus(); }
    }
  }
  const errBox = () => h('div', { class: 'alert alert-error', role: 'alert', hidden: true, 'data-testid': 'form-error' });
  const statusLine = () => h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const selectOf = (id, name, values, labelOf, value, extra) => h('select', { id, name, ...(extra || {}) },
    values.map((v) => h('option', { value: v, selected: v === value }, labelOf(v))));

  function subnav(active) {
    const items = [['catalog', '#/catalog'],
      COMPLIANCE_ROLES.includes(role()) ? ['compliance', '#/catalog/compliance'] : null,
      SHARE_ROLES.includes(role()) ? ['sharing', '#/sharing'] : null,
      ['opendata', '#/opendata'], ['platform', '#/platform']].filter(Boolean);
    return h('nav', { class: 'subnav', 'aria-label': t('nav.data') }, items.map(([k, href]) =>
      h('a', { href, class: 'chip', 'data-subnav': k, 'aria-current': k === active ? 'page' : null }, t('dp.sub.' + k))));
  }

  function pager(page, total, size, hrefOf) {
    const pages = Math.max(1, Math.ceil((total || 0) / size));
    const nav = (label, p, disabled) => h('a', {
      class: 'btn' + (disabled ? ' disabled' : ''), 'aria-disabled': disabled ? 'true' : null, href: disabled ? null : hrefOf(p),
    }, label);
    return h('div', { class: 'pager' },
      nav(t('audit.prev'), page - 1, page <= 1),
      h('span', { class: 'muted small', 'data-testid': 'pager-text' }, t('dp.page', { page: num(page), pages: num(pages), total: num(total) })),
      nav(t('audit.next'), page + 1, page >= pages));
  }

  // ---------------------------------------------------------------- catalog: the list

  async function pageCatalog(gen, params) {
    const f = Object.fromEntries(['q', 'department', 'category', 'share', 'open'].map((k) => [k, params.get(k) || '']));
    const page = Math.max(1, Number(params.get('page')) || 1);
    const [list, depts] = await Promise.all([api('/catalog/entries' + qs({ ...f, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })), loadDepartments()]);
    const q = h('input', { id: 'cat-q', name: 'q', type: 'search', value: f.q, placeholder: t('dp.search.placeholder') });
    const dept = h('input', { id: 'cat-department', name: 'department', value: f.department, list: 'cat-departments', autocomplete: 'off', placeholder: 'gz-...' });
    const options = h('datalist', { id: 'cat-departments' }, depts.items.slice(0, 500).map((d) => h('option', { value: d.id }, deptLabel(d))));
    const any = (kind) => (v) => (v === '' ? t('dp.any') : dpLabel(kind, v));
    const cat = selectOf('cat-category', 'category', ['', ...DP.category], any('category'), f.category);
    const share = selectOf('cat-share', 'share', ['', ...DP.share], any('share'), f.share);
    const open = selectOf('cat-open', 'open', ['', ...DP.open], any('open'), f.open);
    const form = h('form', { class: 'filter-form', role: 'search', 'data-testid': 'catalog-filter' },
      qfield('cat-q', t('dp.search'), q), qfield('cat-department', t('dp.owner'), dept), options,
      qfield('cat-category', t('dp.category'), cat), qfield('cat-share', t('dp.share'), share), qfield('cat-open', t('dp.open'), open),
      h('div', { class: 'filter-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'search' }, t('dp.search.submit')),
        h('a', { class: 'btn', href: '#/catalog' }, t('dp.search.clear'))));
    const filters = () => ({ q: q.value.trim(), department: dept.value.trim(), category: cat.value, share: share.value, open: open.value });
    form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/catalog' + qs(filters()); });
    const rows = list.items.map((e) => h('tr', { 'data-testid': 'entry-row', 'data-id': e.id, 'data-code': e.code },
      h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/catalog/${e.id}` }, e.code)),
      h('td', {}, h('a', { href: `#/catalog/${e.id}` }, e.name), e.description ? h('div', { class: 'muted small clamp' }, e.description) : null),
      h('td', { class: 'small' }, deptName(e.owner_department, e.owner_department_name)),
      h('td', { class: 'small' }, dpLabel('category', e.category)),
      h('td', {}, dpBadge('grade', e.grade)),
      h('td', {}, dpBadge('share', e.share_attribute)),
      h('td', {}, dpBadge('open', e.open_attribute), e.published ? h('div', { class: 'small text-ok', 'data-testid': 'published' }, '✓ ' + t('dp.published')) : null),
      h('td', { class: 'num', 'data-testid': 'pending-changes' }, num(e.pending_changes)),
      h('td', { class: 'num', 'data-testid': 'overdue-changes' }, e.overdue_changes ? badge('chg', 'overdue', num(e.overdue_changes)) : num(e.overdue_changes)),
      h('td', { class: 'small nowrap' }, when(e.updated_at))));
    const mayCreate = isAuthority() || isDeptAdmin();
    paint(gen,
      subnav('catalog'),
      pageHead(t('dp.catalog.title'), t('dp.catalog.desc')),
      mayCreate ? h('div', { class: 'form-actions page-actions' }, h('a', { class: 'btn btn-primary', href: '#/catalog/new', 'data-action': 'new-entry' }, t('dp.entry.new'))) : null,
      card(null, form,
        h('p', { class: 'muted small', 'data-testid': 'catalog-total', 'data-total': list.total }, t('dp.catalog.total', { n: num(list.total) })),
        rows.length ? table(t('dp.catalog.title'), [t('dp.code'), t('col.name'), t('dp.owner'), t('dp.category'), t('dp.grade'),
          t('dp.share'), t('dp.open'), t('dp.pending'), t('dp.overdue'), t('dp.updated')], rows, { class: 'data', 'data-testid': 'catalog-table' })
          : h('p', { class: 'muted', 'data-testid': 'catalog-empty' }, t('dp.catalog.empty')),
        list.total > PAGE_SIZE ? pager(page, list.total, PAGE_SIZE, (p) => '#/catalog' + qs({ ...filters(), page: p })) : null));
  }

  // ---------------------------------------------------------------- catalog: create and edit

  async function pageEntryNew(gen) {
    if (!isAuthority() && !isDeptAdmin()) { paint(gen, forbidden(t('forbidden.entry.create'))); return; }
    const depts = await loadDepartments();
    paint(gen, subnav('catalog'),
      pageHead(t('dp.entry.new'), t('dp.entry.new.desc'), h('a', { href: '#/catalog', class: 'back' }, t('back.catalog'))),
      card(null, entryForm(null, depts, (e) => { location.hash = `#/catalog/${e.id}`; })));
  }

  // One form for both: POST a new entry, or PATCH the fields that changed with the version it read.
  function entryForm(e, depts, done) {
    const v = e || { category: 'department', grade: 'general', update_frequency: 'daily', share_attribute: 'conditional', open_attribute: 'closed', return_flow: false, fields: [] };
    const p = e ? 'ee-' : 'e-';
    const name = h('input', { id: p + 'name', name: 'name', required: true, maxlength: '200', value: v.name || '' });
    const desc = h('textarea', { id: p + 'description', name: 'description', rows: '2' }, v.description || '');
    const ownerIds = depts.items.map((d) => d.id);
    const owner = h('select', { id: p + 'owner_department', name: 'owner_department', disabled: !!e },
      (e && !ownerIds.includes(e.owner_department) ? [h('option', { value: e.owner_department }, deptName(e.owner_department, e.owner_department_name))] : []),
      depts.items.map((d) => h('option', { value: d.id, selected: d.id === v.owner_department }, deptLabel(d))));
    const system = h('input', { id: p + 'system', name: 'system', required: true, value: v.system || '', placeholder: t('dp.system.placeholder') });
    const category = selectOf(p + 'category', 'category', DP.category, (x) => dpLabel('category', x), v.category);
    const grade = selectOf(p + 'grade', 'grade', DP.grade, (x) => dpLabel('grade', x), v.grade);
    const freq = selectOf(p + 'update_frequency', 'update_frequency', DP.frequency, (x) => dpLabel('frequency', x), v.update_frequency);
    const share = selectOf(p + 'share_attribute', 'share_attribute', DP.share, (x) => dpLabel('share', x), v.share_attribute);
    const cond = h('textarea', { id: p + 'share_condition', name: 'share_condition', rows: '2', 'aria-describedby': p + 'share_condition-hint' }, v.share_condition || '');
    const open = selectOf(p + 'open_attribute', 'open_attribute', DP.open, (x) => dpLabel('open', x), v.open_attribute);
    const ret = h('input', { id: p + 'return_flow', name: 'return_flow', type: 'checkbox', checked: !!v.return_flow });
    const state = e ? selectOf(p + 'state', 'state', ['active', 'retired'], (x) => dpLabel('entrystate', x), e.state) : null;
    const rowsBox = h('div', { class: 'field-rows', 'data-testid': 'field-rows' });
    const addRow = (f) => {
      const i = rowsBox.children.length;
      const row = h('div', { class: 'field-row', 'data-testid': 'field-row' },
        h('input', { name: `fields[${i}].name`, 'aria-label': t('dp.field.name.n', { n: i + 1 }), placeholder: t('dp.field.name'), value: (f && f.name) || '', 'data-part': 'name' }),
        selectOf(`${p}field-type-${i}`, `fields[${i}].type`, DP.types, (x) => dpLabel('type', x), (f && f.type) || 'string', { 'aria-label': t('dp.field.type.n', { n: i + 1 }), 'data-part': 'type' }),
        h('input', { name: `fields[${i}].description`, 'aria-label': t('dp.field.description.n', { n: i + 1 }), placeholder: t('dp.field.description'), value: (f && f.description) || '', 'data-part': 'description' }),
        h('button', { type: 'button', class: 'btn btn-danger-outline', 'aria-label': t('dp.field.remove.n', { n: i + 1 }), onclick: () => { row.remove(); } }, '×'));
      rowsBox.append(row);
      return row;
    };
    (v.fields && v.fields.length ? v.fields : [null]).forEach(addRow);
    // The rows with a name, in order; their inputs renamed fields[i].* so an error the API names lands on them.
    const readFields = () => [...rowsBox.querySelectorAll('.field-row')].filter((r) => r.querySelector('[data-part=name]').value.trim())
      .map((r, i) => {
        ['name', 'type', 'description'].forEach((k) => { r.querySelector(`[data-part=${k}]`).name = `fields[${i}].${k}`; });
        return { name: r.querySelector('[data-part=name]').value.trim(), type: r.querySelector('[data-part=type]').value,
          description: r.querySelector('[data-part=description]').value.trim() };
      });
    const status = statusLine();
    const err = errBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': e ? 'save-entry' : 'create-entry' }, t(e ? 'dp.entry.save' : 'dp.entry.create'));
    const form = h('form', { 'data-testid': e ? 'entry-edit-form' : 'entry-form', novalidate: true },
      h('div', { class: 'form-grid' },
        qfield(p + 'name', t('col.name'), name), qfield(p + 'owner_department', t('dp.owner'), owner),
        qfield(p + 'system', t('dp.system'), system), qfield(p + 'category', t('dp.category'), category),
        qfield(p + 'grade', t('dp.grade'), grade, t('dp.grade.hint')), qfield(p + 'update_frequency', t('dp.frequency'), freq),
        qfield(p + 'share_attribute', t('dp.share'), share), qfield(p + 'open_attribute', t('dp.open'), open),
        state ? qfield(p + 'state', t('col.state'), state) : null),
      h('div', { class: 'form-grid' },
        qfield(p + 'description', t('dp.description'), desc),
        h('div', { class: 'field' }, h('label', { for: p + 'share_condition' }, t('dp.condition')), cond,
          h('small', { class: 'muted', id: p + 'share_condition-hint' }, t('dp.condition.hint')))),
      h('label', { class: 'check' }, ret, h('span', {}, t('dp.return_flow'), h('span', { class: 'muted small block' }, t('dp.return_flow.hint')))),
      h('fieldset', {}, h('legend', {}, t('dp.fields')),
        h('div', { class: 'field-row field-head', 'aria-hidden': 'true' },
          h('span', {}, t('dp.field.name')), h('span', {}, t('dp.field.type')), h('span', {}, t('dp.field.description')), h('span', {})),
        rowsBox,
        h('button', { type: 'button', class: 'btn', 'data-action': 'add-field', onclick: () => { addRow(null).querySelector('input').focus(); } }, t('dp.field.add'))),
      h('div', { class: 'form-actions' }, submit, status), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      const body = {
        name: name.value.trim(), description: desc.value.trim(), owner_department: owner.value, system: system.value.trim(),
        category: category.value, grade: grade.value, update_frequency: freq.value, share_attribute: share.value,
        share_condition: cond.value.trim() || null, open_attribute: open.value, return_flow: ret.checked, fields: readFields(),
      };
      if (state) body.state = state.value;
      let out = body;
      if (e) {  // only what changed, and the version this form was filled from
        out = { version: e.version };
        Object.entries(body).forEach(([k, x]) => {
          if (k === 'owner_department') return;
          const was = e[k] === undefined ? null : e[k];
          if (JSON.stringify(k === 'fields' ? (was || []).map((f) => ({ name: f.name, type: f.type, description: f.description || '' })) : (was === '' ? null : was))
            !== JSON.stringify(x === '' ? null : x)) out[k] = x;
        });
      }
      submit.disabled = true; status.textContent = t('dp.saving');
      try {
        const saved = await api(e ? `/catalog/entries/${e.id}` : '/catalog/entries', { method: e ? 'PATCH' : 'POST', body: out });
        done(saved);
      } catch (x) {
        status.textContent = ''; submit.disabled = false;
        if (x.status === 409 && e) x.detail = t('dp.entry.stale') + ' ' + x.detail;
        showError(err, form, x);
      }
    });
    return form;
  }

  // ---------------------------------------------------------------- catalog: one entry

  async function pageEntry(gen, _params, id) {
    const [e] = await Promise.all([api(`/catalog/entries/${id}`), loadDepartments()]);
    if (!current(gen)) return;
    const mine = ownsEntry(e);
    const fieldsTable = (e.fields || []).length
      ? table(t('dp.fields'), [t('dp.field.name'), t('dp.field.type'), t('dp.field.description')],
        e.fields.map((f) => h('tr', { 'data-testid': 'field-item' }, h('th', { scope: 'row' }, h('code', {}, f.name)),
          h('td', {}, dpLabel('type', f.type)), h('td', { class: 'small' }, f.description || '–'))), { class: 'data' })
      : h('p', { class: 'muted' }, t('none'));
    const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'entry-flash' }, Q.dpFlash || '');
    Q.dpFlash = null;
    paint(gen,
      subnav('catalog'),
      pageHead(h('span', { 'data-testid': 'entry-title' }, h('code', { class: 'title-code' }, e.code), ' ', e.name),
        e.description || null, h('a', { href: '#/catalog', class: 'back' }, t('back.catalog'))),
      flash,
      card(null, h('div', { 'data-testid': 'entry-meta', 'data-version': e.version, 'data-published': String(!!e.published) }, dl(
        [t('dp.owner'), deptName(e.owner_department, e.owner_department_name)],
        [t('dp.system'), e.system || '–'],
        [t('dp.category'), dpLabel('category', e.category)],
        [t('dp.grade'), dpBadge('grade', e.grade)],
        [t('dp.frequency'), dpLabel('frequency', e.update_frequency)],
        [t('dp.return_flow'), e.return_flow ? t('dp.yes') : t('dp.no')],
        [t('dp.share'), h('span', {}, dpBadge('share', e.share_attribute), e.share_condition ? h('div', { class: 'small' }, e.share_condition) : null)],
        [t('dp.open'), h('span', {}, dpBadge('open', e.open_attribute), ' ',
          e.published ? h('span', { class: 'small text-ok', 'data-testid': 'published' }, '✓ ' + t('dp.published.at', { t: when(e.published_at) })) : h('span', { class: 'small muted' }, t('dp.unpublished')))],
        [t('col.state'), dpLabel('entrystate', e.state)],
        [t('dp.version'), num(e.version)],
        [t('col.created'), when(e.created_at)],
        [t('dp.updated'), when(e.updated_at)]))),
      entryActions(gen, e, mine),
      card(t('dp.fields'), fieldsTable),
      changesCard(gen, e, mine),
      objectionsCard(gen, e));
  }

  function entryActions(gen, e, mine) {
    const shareLink = isDeptAdmin() && !mine && e.share_attribute !== 'none'
      ? h('a', { class: 'btn', href: `#/sharing?entry=${e.id}`, 'data-action': 'request-share' }, t('dp.share.request')) : null;
    if (!mine) return shareLink ? card(t('dp.actions'), h('div', { class: 'actions' }, shareLink)) : null;
    const err = errBox();
    const status = statusLine();
    const edit = h('div', { hidden: true, 'data-testid': 'entry-edit' });
    const publishable = ['open', 'conditional'].includes(e.open_attribute);
    const publish = async (what) => {
      err.hidden = true;
      try {
        await api(`/opendata/${what}`, { body: { entry_id: e.id } });
        Q.dpFlash = t('dp.done.' + what);
        route();
      } catch (x) { showError(err, null, x); }
    };
    const bar_ = h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', 'data-action': 'edit-entry', 'aria-expanded': 'false', onclick: (ev) => {
        edit.hidden = !edit.hidden;
        ev.currentTarget.setAttribute('aria-expanded', String(!edit.hidden));
        if (!edit.hidden && !edit.firstChild) {
          edit.append(h('p', { class: 'muted small' }, t('dp.entry.edit.hint')), entryForm(e, Q.depts, () => { Q.dpFlash = t('dp.done.save'); route(); }));
        }
      } }, t('dp.entry.edit')),
      e.published
        ? h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'unpublish', onclick: () => {
          if (window.confirm(t('dp.confirm.unpublish', { code: e.code }))) publish('unpublish');
        } }, t('dp.unpublish'))
        : h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'publish', disabled: !publishable || e.state !== 'active',
          title: publishable ? null : t('dp.publish.closed'), onclick: () => publish('publish') }, t('dp.publish')),
      !publishable && !e.published ? h('span', { class: 'muted small' }, t('dp.publish.closed')) : null,
      shareLink, status);
    return card(t('dp.actions'), bar_, err, edit);
  }

  function changesCard(gen, e, mine) {
    const items = e.changes || [];
    let form = null;
    if (mine) {
      const day = h('input', { id: 'c-changed_on', name: 'changed_on', type: 'date', required: true, value: when(new Date().toISOString()).slice(0, 10) });  // today in Beijing
      const summary = h('input', { id: 'c-summary', name: 'summary', required: true, maxlength: '500', placeholder: t('dp.change.summary.placeholder') });
      const err = errBox();
      const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'report-change' }, t('dp.change.report'));
      form = h('form', { 'data-testid': 'change-form', novalidate: true },
        h('h3', {}, t('dp.change.report')),
        h('div', { class: 'form-grid' }, qfield('c-changed_on', t('dp.change.on'), day), qfield('c-summary', t('dp.change.summary'), summary)),
        h('div', { class: 'form-actions' }, submit, h('small', { class: 'muted' }, t('dp.change.rule'))), err);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        err.hidden = true; submit.disabled = true;
        try {
          const c = await api(`/catalog/entries/${e.id}/changes`, { body: { changed_on: day.value, summary: summary.value.trim() } });
          Q.dpFlash = t('dp.done.change', { due: c && c.due_on ? c.due_on : '–' });
          route();
        } catch (x) { submit.disabled = false; showError(err, form, x); }
      });
    }
    return card(t('dp.changes'),
      items.length ? table(t('dp.changes'), [t('dp.change.on'), t('dp.change.summary'), t('dp.change.due'), t('col.state'), t('dp.change.reflected'), t('dp.change.by')],
        items.map((c) => h('tr', { 'data-testid': 'change-row', 'data-state': c.state },
          h('th', { scope: 'row', class: 'nowrap' }, c.changed_on),
          h('td', { class: 'small' }, c.summary),
          h('td', { class: 'nowrap' }, c.due_on || '–'),
          h('td', {}, dpBadge('chg', c.state), c.late ? h('div', { class: 'small text-danger' }, t('dp.change.late')) : null),
          h('td', { class: 'small nowrap' }, when(c.reflected_at)),
          h('td', { class: 'small' }, c.reported_by || '–'))), { class: 'data', 'data-testid': 'changes-table' })
        : h('p', { class: 'muted', 'data-testid': 'changes-empty' }, t('dp.changes.none')),
      form);
  }

  function objectionsCard(gen, e) {
    const items = e.objections || [];
    const ownerAdmin = ownsDept(e.owner_department);
    const rows = items.map((o) => {
      const err = errBox();
      const acts = [];
      if (ownerAdmin && o.state === 'open') {
        const answer = h('textarea', { name: 'answer', rows: '2', 'aria-label': t('dp.objection.answer.label', { id: o.id }), 'data-testid': 'answer-text' });
        const f = h('form', { class: 'mini-form', 'data-testid': 'answer-form' }, answer,
          h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'answer' }, t('dp.objection.answer')));
        f.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          if (!answer.value.trim()) { err.textContent = t('dp.objection.answer.needed'); err.hidden = false; answer.focus(); return; }
          try { await api(`/catalog/objections/${o.id}/answer`, { body: { answer: answer.value.trim() } }); Q.dpFlash = t('dp.done.answer'); route(); } catch (x) { showError(err, f, x); }
        });
        acts.push(f);
      }
      if (isAuthority() && o.state === 'answered') {  // the owner answers before the authority closes
        const res = h('select', { name: 'resolution', 'aria-label': t('dp.objection.resolution'), 'data-testid': 'resolution' },
          ['upheld', 'dismissed'].map((r) => h('option', { value: r }, dpLabel('resolution', r))));
        const note = h('input', { name: 'note', 'aria-label': t('dp.objection.note'), placeholder: t('dp.objection.note'), 'data-testid': 'close-note' });
        const f = h('form', { class: 'mini-form', 'data-testid': 'close-form' }, res, note,
          h('button', { type: 'submit', class: 'btn', 'data-action': 'close-objection' }, t('dp.objection.close')));
        f.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          try { await api(`/catalog/objections/${o.id}/close`, { body: { resolution: res.value, note: note.value.trim() } }); Q.dpFlash = t('dp.done.close'); route(); } catch (x) { showError(err, f, x); }
        });
        acts.push(f);
      }
      return h('tr', { 'data-testid': 'objection-row', 'data-id': o.id, 'data-state': o.state },
        h('th', { scope: 'row' }, `#${o.id}`, h('div', { class: 'muted small' }, dpLabel('source', o.source))),
        h('td', { class: 'small' }, o.field ? h('code', {}, o.field) : t('dp.objection.whole')),
        h('td', { class: 'small' }, h('div', { class: 'pre' }, o.text), h('div', { class: 'muted' }, `${o.raised_by || t('dp.public')} · ${when(o.created_at)}`)),
        h('td', {}, dpBadge('obj', o.state)),
        h('td', { class: 'small' },
          o.answer ? h('div', { 'data-testid': 'objection-answer' }, h('div', { class: 'pre' }, o.answer), h('div', { class: 'muted' }, `${o.answered_by || ''} · ${when(o.answered_at)}`)) : null,
          o.resolution ? h('div', { 'data-testid': 'objection-resolution' }, dpBadge('resolution', o.resolution), o.note ? ` ${o.note}` : '',
            h('div', { class: 'muted' }, `${o.closed_by || ''} · ${when(o.closed_at)}`)) : null,
          !o.answer && !o.resolution ? '–' : null),
        h('td', {}, acts, err));
    });
    // Anyone logged in may dispute the entry, naming one of its fields or the whole entry.
    const field = h('select', { id: 'o-field', name: 'field' }, h('option', { value: '' }, t('dp.objection.whole')),
      (e.fields || []).map((f) => h('option', { value: f.name }, f.name)));
    const text = h('textarea', { id: 'o-text', name: 'text', rows: '3', required: true, maxlength: '2000' });
    const err = errBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'raise-objection' }, t('dp.objection.raise'));
    const form = h('form', { 'data-testid': 'objection-form', novalidate: true },
      h('h3', {}, t('dp.objection.raise')),
      h('div', { class: 'form-grid' }, qfield('o-field', t('dp.objection.field'), field)),
      qfield('o-text', t('dp.objection.text'), text),
      h('div', { class: 'form-actions' }, submit), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      if (!text.value.trim()) { err.textContent = t('dp.objection.text.needed'); err.hidden = false; text.focus(); return; }
      submit.disabled = true;
      try {
        await api(`/catalog/entries/${e.id}/objections`, { body: { field: field.value || null, text: text.value.trim() } });
        Q.dpFlash = t('dp.done.objection');
        route();
      } catch (x) { submit.disabled = false; showError(err, form, x); }
    });
    return card(t('dp.objections'),
      rows.length ? table(t('dp.objections'), [t('col.id'), t('dp.objection.field'), t('dp.objection.text'), t('col.state'), t('dp.objection.outcome'), t('dp.actions')],
        rows, { class: 'data', 'data-testid': 'objections-table' })
        : h('p', { class: 'muted', 'data-testid': 'objections-empty' }, t('dp.objections.none')),
      form);
  }

  // ---------------------------------------------------------------- catalog: the ten-working-day rule

  async function pageCompliance(gen) {
    if (!COMPLIANCE_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.compliance'))); return; }
    const c = await api('/catalog/compliance');
    const err = errBox();
    const status = statusLine();
    const scan = SCAN_ROLES.includes(role()) ? h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'scan', onclick: async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true; err.hidden = true; status.textContent = t('dp.scan.busy');
      try {
        const r = await api('/catalog/compliance/scan', { method: 'POST' });
        Q.dpFlash = t('dp.scan.done', { n: num(r && r.last_scan ? r.last_scan.overdue : (r && r.overdue !== undefined ? r.overdue : 0)) });
        route();
      } catch (x) { b.disabled = false; status.textContent = ''; showError(err, null, x); }
    } }, t('dp.scan')) : null;
    const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'scan-flash' }, Q.dpFlash || '');
    Q.dpFlash = null;
    const depts = c.departments || [];
    const overdue = depts.reduce((a, d) => a + (d.overdue || 0), 0);
    const pending = depts.reduce((a, d) => a + (d.pending || 0), 0);
    paint(gen,
      subnav('compliance'),
      pageHead(t('dp.compliance.title'), t('dp.change.rule')),  // the API's `rule` is English only
      flash,
      h('div', { class: 'tiles', 'data-testid': 'compliance-tiles' },
        tile(t('dp.compliance.today'), c.today || '–', c.calendar || null, 'compliance-today'),
        tile(t('dp.overdue'), num(overdue), t('dp.compliance.depts', { n: num(depts.filter((d) => d.overdue).length) }), 'compliance-overdue'),
        tile(t('dp.pending'), num(pending), null, 'compliance-pending'),
        tile(t('dp.compliance.lastscan'), c.last_scan ? when(c.last_scan.at) : t('dp.compliance.never'),
          c.last_scan ? t('dp.compliance.lastscan.overdue', { n: num(c.last_scan.overdue) }) : null, 'compliance-lastscan')),
      scan ? card(null, h('div', { class: 'actions' }, scan, status), err) : null,
      depts.length ? depts.map((d) => card(null, h('div', { 'data-testid': 'compliance-dept', 'data-department': d.department, 'data-overdue': d.overdue },
        h('h2', {}, deptName(d.department, d.name), ' ',
          d.overdue ? badge('chg', 'overdue', t('dp.compliance.n.overdue', { n: num(d.overdue) })) : null, ' ',
          d.pending ? badge('chg', 'pending', t('dp.compliance.n.pending', { n: num(d.pending) })) : null),
        (d.items || []).length ? table(deptName(d.department, d.name), [t('dp.code'), t('col.name'), t('dp.change.on'), t('dp.change.due'), t('col.state'), t('dp.late.days')],
          d.items.map((x) => h('tr', { 'data-testid': 'compliance-row', 'data-state': x.state },
            h('th', { scope: 'row' }, h('a', { href: `#/catalog/${x.entry_id}` }, x.code)),
            h('td', {}, x.name), h('td', { class: 'nowrap' }, x.changed_on), h('td', { class: 'nowrap' }, x.due_on),
            h('td', {}, dpBadge('chg', x.state)),
            h('td', { class: 'num' }, x.working_days_late ? h('strong', { class: 'text-danger' }, num(x.working_days_late)) : '–'))), { class: 'data' })
          : h('p', { class: 'muted' }, t('none')))))
        : card(null, h('p', { class: 'text-ok', 'data-testid': 'compliance-clean' }, '✓ ' + t('dp.compliance.clean'))));
  }

  // ---------------------------------------------------------------- sharing

  async function pageSharing(gen, params) {
    if (!SHARE_ROLES.includes(role())) { paint(gen, forbidden(t('forbidden.sharing'))); return; }
    const state = params.get('state') || '';
    const [list, depts] = await Promise.all([api('/sharing/requests' + qs({ state, limit: 200 })), loadDepartments()]);
    let preset = null;
    if (params.get('entry')) { try { preset = await api(`/catalog/entries/${encodeURIComponent(params.get('entry'))}`); } catch (_) { /* picked in the form */ } }
    const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('dp.share.filter') },
      ['', ...DP.requestStates].map((st) => h('a', {
        class: 'chip', href: '#/sharing' + qs({ state: st }), 'aria-current': st === state ? 'true' : null,
      }, st ? dpLabel('req', st) : t('plans.all'))));
    const flash = h('div', { class: 'alert alert-ok', role: 'status', hidden: !Q.dpFlash, 'data-testid': 'share-flash' }, Q.dpFlash || '');
    Q.dpFlash = null;
    paint(gen,
      subnav('sharing'),
      pageHead(t('dp.sharing.title'), t('dp.sharing.desc')),
      flash,
      isDeptAdmin() ? shareForm(gen, depts, preset) : null,
      card(t('dp.share.requests'), chips,
        list.items.length ? table(t('dp.share.requests'), [t('col.id'), t('dp.entry'), t('dp.share.between'), t('dp.share.purpose'), t('col.state'),
          t('dp.share.approvals'), t('dp.share.delivery'), t('quota.decide')], list.items.map(shareRow), { class: 'data', 'data-testid': 'share-table' })
          : h('p', { class: 'muted', 'data-testid': 'share-empty' }, t('dp.share.empty'))),
      h('p', { class: 'muted small' }, t('dp.share.verify')));
  }

  function mayDecide(r) {
    if (r.state === 'pending-owner') return ownsDept(r.owner_department);
    if (r.state === 'pending-authority') return isAuthority();
    return false;
  }

  function shareRow(r) {
    const err = errBox();
    let decide = '–';
    if (mayDecide(r)) {
      const reason = h('input', { class: 'reason', name: 'reason', 'aria-label': t('quota.reason'), placeholder: t('quota.reason'), 'data-testid': 'share-reason' });
      const act = async (what) => {
        err.hidden = true;
        if (what === 'reject' && !reason.value.trim()) { err.textContent = t('quota.reason.needed'); err.hidden = false; reason.focus(); return; }
        try {
          await api(`/sharing/requests/${r.id}/${what}`, { body: { reason: reason.value.trim() } });
          Q.dpFlash = t('dp.done.' + what, { id: r.id });
          route();
        } catch (x) { showError(err, null, x); }
      };
      decide = h('div', {}, reason, h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve', onclick: () => act('approve') }, t('quota.approve')),
        h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-action': 'reject', onclick: () => act('reject') }, t('quota.reject'))), err);
    }
    const d = r.delivery;
    const jobLink = r.jobset_id ? (JOB_ROLES.includes(role()) ? h('a', { href: `#/jobs/${r.jobset_id}`, 'data-testid': 'jobset-link' }, t('dp.share.jobset', { id: r.jobset_id }))
      : h('span', { 'data-testid': 'jobset-link' }, t('dp.share.jobset', { id: r.jobset_id }))) : null;
    return h('tr', { 'data-testid': 'share-row', 'data-id': r.id, 'data-state': r.state, 'data-entry': r.entry_id },
      h('th', { scope: 'row' }, `#${r.id}`, h('div', { class: 'muted small nowrap' }, when(r.created_at))),
      h('td', {}, h('a', { href: `#/catalog/${r.entry_id}` }, r.entry_code), h('div', { class: 'small' }, r.entry_name),
        h('div', {}, dpBadge('share', r.share_attribute))),
      h('td', { class: 'small' }, h('div', {}, t('dp.share.from', { d: deptName(r.owner_department, deptNameOf(r.owner_department)) })),
        h('div', {}, t('dp.share.to', { d: deptName(r.requester_department, deptNameOf(r.requester_department)) })),
        h('div', { class: 'muted' }, r.requested_by)),
      h('td', { class: 'small' }, r.purpose, r.fields && r.fields.length ? h('div', { class: 'muted' }, t('dp.share.fields', { f: listOf(r.fields) })) : h('div', { class: 'muted' }, t('dp.share.allfields'))),
      h('td', {}, dpBadge('req', r.state)),
      h('td', { class: 'small' }, (r.approvals || []).length ? h('ul', { class: 'plain approvals' }, r.approvals.map((a) => h('li', { 'data-testid': 'share-approval', 'data-stage': a.stage, 'data-decision': a.decision },
        h('strong', {}, dpLabel('stage', a.stage)), ' · ', dpBadge('decision', a.decision), ' · ', a.username || t('dp.system.user'),
        h('div', { class: 'muted' }, when(a.at), a.reason ? ` · ${a.reason}` : ''),
        h('div', { class: 'muted' }, t('dp.share.signature'), ' ', shortHash(a.signature))))) : '–'),
      h('td', { class: 'small', 'data-testid': 'share-delivery', 'data-state': d ? d.state : '' },
        d ? h('div', {}, badge('run', d.state, tx('run.state.' + d.state, d.state)), h('div', { class: 'muted' }, t('dp.share.runs', { n: num(d.runs) })),
          d.last_anchor ? h('div', { class: 'muted' }, t('dp.share.last', { t: when(d.last_anchor) })) : null) : (r.state === 'approved' ? t('dp.share.scheduling') : '–'),
        jobLink),
      h('td', {}, decide));
  }
  const deptNameOf = (id) => { const d = Q.depts && Q.depts.items.find((x) => x.id === id); return d ? (Q.lang === 'en' && d.name_en ? d.name_en : d.name) : null; };

  // A department admin asks for another department's entry for one of their own departments.
  function shareForm(gen, depts, preset) {
    const entry = h('select', { id: 's-entry', name: 'entry_id', required: true });
    const find = h('input', { id: 's-find', type: 'search', placeholder: t('dp.search.placeholder'), autocomplete: 'off' });
    const requester = h('select', { id: 's-requester', name: 'requester_department' }, depts.items.map((d) => h('option', { value: d.id }, deptLabel(d))));
    const purpose = h('textarea', { id: 's-purpose', name: 'purpose', rows: '2', required: true });
    const fieldsBox = h('div', { class: 'check-grid', 'data-testid': 'share-fields' });
    const hint = h('p', { class: 'small', 'data-testid': 'share-hint', 'aria-live': 'polite' });
    const err = errBox();
    const status = statusLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit-share' }, t('dp.share.submit'));
    let entries = preset ? [preset] : [];
    const showEntry = () => {
      const e = entries.find((x) => String(x.id) === entry.value);
      fieldsBox.replaceChildren(...(e ? e.fields || [] : []).map((f) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'fields', value: f.name }), h('span', {}, h('code', {}, f.name), ' ', h('span', { class: 'muted small' }, f.description || '')))));
      hint.textContent = e ? t('dp.share.hint.' + e.share_attribute, { c: e.share_condition || '' }) : '';
      hint.className = 'small ' + (e && e.share_attribute === 'none' ? 'text-danger' : 'muted');
    };
    const fill = (items) => {
      entries = items;
      entry.replaceChildren(...(items.length ? items.map((e) => h('option', { value: e.id }, `${e.code} · ${e.name} · ${deptName(e.owner_department, e.owner_department_name)}`))
        : [h('option', { value: '' }, t('dp.catalog.empty'))]));
      showEntry();
    };
    const search = async () => {
      try {
        const page = await api('/catalog/entries' + qs({ q: find.value.trim(), limit: 100 }));
        if (current(gen)) fill(page.items.filter((e) => !ownsDept(e.owner_department)));
      } catch (x) { showError(err, null, x); }
    };
    if (preset) fill([preset]); else search();
    find.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); search(); } });
    entry.addEventListener('change', showEntry);
    const form = h('form', { 'data-testid': 'share-form', novalidate: true },
      h('div', { class: 'form-grid' },
        h('div', { class: 'field' }, h('label', { for: 's-find' }, t('dp.share.find')),
          h('div', { class: 'inline-form tight' }, find, h('button', { type: 'button', class: 'btn', 'data-action': 'find-entry', onclick: search }, t('dp.search.submit')))),
        qfield('s-entry', t('dp.entry'), entry),
        qfield('s-requester', t('dp.share.requester'), requester)),
      hint,
      qfield('s-purpose', t('dp.share.purpose'), purpose),
      h('fieldset', {}, h('legend', {}, t('dp.share.subset')), fieldsBox),
      h('div', { class: 'form-actions' }, submit, status), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      if (!entry.value) { err.textContent = t('dp.share.pick'); err.hidden = false; return; }
      const picked = [...fieldsBox.querySelectorAll('input:checked')].map((x) => x.value);
      const body = { entry_id: Number(entry.value), requester_department: requester.value, purpose: purpose.value.trim() };
      if (picked.length) body.fields = picked;
      submit.disabled = true; status.textContent = t('dp.saving');
      try {
        const r = await api('/sharing/requests', { body });
        Q.dpFlash = t('dp.done.request', { id: r.id, state: dpLabel('req', r.state) });
        location.hash = '#/sharing';
      } catch (x) { submit.disabled = false; status.textContent = ''; showError(err, form, x); }
    });
    return card(t('dp.share.form'), h('p', { class: 'muted' }, t('dp.share.form.desc')), form);
  }

  // ---------------------------------------------------------------- open data

  function targetsBlock(stats) {
    const targets = stats.targets && stats.targets.length ? stats.targets : DP.targets;
    return h('div', { class: 'targets', 'data-testid': 'opendata-stats', 'data-published': stats.published },
      h('div', { class: 'tile-value' }, num(stats.published), h('span', { class: 'muted small' }, ' ' + t('dp.open.published.n'))),
      targets.map((x) => {
        const frac = x.target ? stats.published / x.target : 0;
        const met = x.met !== undefined ? x.met : stats.published >= x.target;
        const short = x.short !== undefined ? x.short : Math.max(0, x.target - stats.published);
        return h('div', { class: 'target', 'data-testid': 'target', 'data-year': x.year, 'data-met': String(met) },
          h('div', { class: 'small' }, h('strong', {}, t('dp.open.target', { year: x.year, n: num(x.target) })),
            x.deadline ? h('span', { class: 'muted' }, ' · ' + t('dp.open.deadline', { d: x.deadline })) : null),
          bar(frac, `${num(stats.published)} / ${num(x.target)} · ${pct(frac, 1)}`),
          h('div', { class: 'small ' + (met ? 'text-ok' : 'muted') }, met ? '✓ ' + t('dp.open.met') : t('dp.open.short', { n: num(short) })));
      }));
  }

  async function pageOpendata(gen, params) {
    const q = params.get('q') || '';
    const page = Math.max(1, Number(params.get('page')) || 1);
    const [stats, list] = await Promise.all([api('/opendata/stats'), api('/opendata/datasets' + qs({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }))]);
    const input = h('input', { id: 'od-q', name: 'q', type: 'search', value: q, placeholder: t('dp.search.placeholder') });
    const form = h('form', { class: 'inline-form', role: 'search', 'data-testid': 'opendata-search' },
      h('label', { for: 'od-q' }, t('dp.search')), input, h('button', { type: 'submit', class: 'btn btn-primary' }, t('dp.search.submit')));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/opendata' + qs({ q: input.value.trim() }); });
    const rows = list.items.map((d) => h('tr', { 'data-testid': 'dataset-row', 'data-code': d.code },
      h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: `#/catalog${qs({ q: d.code })}` }, d.code)),
      h('td', {}, d.name, d.description ? h('div', { class: 'muted small clamp' }, d.description) : null),
      h('td', { class: 'small' }, d.department_name || d.department),
      h('td', { class: 'small' }, dpLabel('category', d.category)),
      h('td', { class: 'small' }, dpLabel('frequency', d.update_frequency)),
      h('td', {}, dpBadge('open', d.open_attribute)),
      h('td', { class: 'small nowrap' }, when(d.published_at)),
      h('td', { class: 'small' }, h('a', { href: `/console/open.html#/d/${encodeURIComponent(d.code)}`, target: '_blank', rel: 'noopener' }, t('dp.open.public')))));
    paint(gen,
      subnav('opendata'),
      pageHead(t('dp.opendata.title'), t('dp.opendata.desc')),
      card(t('dp.open.progress'), targetsBlock(stats)),
      card(t('dp.open.list'), form,
        h('p', { class: 'muted small' }, t('dp.open.publish.where'), ' ', h('a', { href: '/console/open.html', 'data-testid': 'public-page-link' }, t('dp.open.publicpage'))),
        rows.length ? table(t('dp.open.list'), [t('dp.code'), t('col.name'), t('col.department'), t('dp.category'), t('dp.frequency'), t('dp.open'), t('dp.published.col'), ''],
          rows, { class: 'data', 'data-testid': 'datasets-table' }) : h('p', { class: 'muted', 'data-testid': 'datasets-empty' }, t('dp.open.none')),
        list.total > PAGE_SIZE ? pager(page, list.total, PAGE_SIZE, (p) => '#/opendata' + qs({ q, page: p })) : null));
  }

  // ---------------------------------------------------------------- the three tenants

  const MODULES = ['catalog', 'sharing', 'opendata'];

  function tenantCard(tn) {
    const quota = tn.quota || {}, used = tn.used || {};
    const bars = QUOTA_RES.filter((r) => (quota[r] || 0) > 0 || (used[r] || 0) > 0).map((r) => {
      const frac = quota[r] ? (used[r] || 0) / quota[r] : ((used[r] || 0) ? 1 : 0);
      return h('div', { class: 'quota-bar', 'data-resource': r, 'data-quota': quota[r] || 0, 'data-used': used[r] || 0 },
        h('div', { class: 'small' }, t('res.' + r)), bar(frac, `${num(used[r] || 0, 1)} / ${withUnit(quota[r] || 0, r, 1)}`, frac > 1 ? 'over' : ''));
    });
    const ws = tn.workloads || [], js = tn.jobsets || [];
    return card(null, h('div', { 'data-testid': 'tenant', 'data-module': tn.module, 'data-department': tn.department },
      h('h2', {}, t('dp.tenant.of', { m: t('dp.module.' + tn.module) }), ' ', h('span', { class: 'muted small' }, `${(Q.lang === 'en' && tn.name_en) || tn.name || ''} (${tn.department}) · ${cloudName(tn.cloud)}`)),
      h('h3', {}, t('dp.tenant.quota')),
      bars.length ? h('div', { class: 'quota-bars' }, bars) : h('p', { class: 'muted' }, t('quota.none')),
      h('div', { class: 'two-col even' },
        h('div', {}, h('h3', {}, t('dp.tenant.services', { n: num(ws.length) })),
          ws.length ? table(t('dp.tenant.services', { n: ws.length }), [t('col.workload'), t('col.name'), t('col.host'), t('col.demand')],
            ws.map((w) => h('tr', { 'data-testid': 'tenant-workload', 'data-host': w.host || '' },
              h('th', { scope: 'row', class: 'small' }, h('a', { href: `#/why/${encodeURIComponent(w.id)}` }, w.id)),
              h('td', {}, w.name),
              h('td', { class: 'small' }, w.host ? hostLink(w.host) : h('span', { class: 'muted' }, t('why.pending'))),
              h('td', { class: 'small nowrap' }, `${withUnit(w.vcpu, 'vcpu', 1)} · ${withUnit(w.memory_gib, 'memory_gib', 1)}`))), { class: 'data' })
            : h('p', { class: 'muted' }, t('none'))),
        h('div', {}, h('h3', {}, t('dp.tenant.jobsets', { n: num(js.length) })),
          js.length ? table(t('dp.tenant.jobsets', { n: js.length }), [t('jobs.col.set'), t('jobs.recurrence'), t('jobs.col.run')],
            js.map((j) => h('tr', { 'data-testid': 'tenant-jobset', 'data-jobset': j.id },
              h('th', { scope: 'row', class: 'small' }, JOB_ROLES.includes(role()) ? h('a', { href: `#/jobs/${j.id}` }, `#${j.id}`) : `#${j.id}`, j.name ? ` · ${j.name}` : ''),
              h('td', { class: 'small' }, j.recurrence ? h('code', {}, j.recurrence) : t('jobs.once')),
              h('td', {}, j.run_state ? badge('run', j.run_state, tx('run.state.' + j.run_state, j.run_state)) : '–'))), { class: 'data' })
            : h('p', { class: 'muted' }, t('none'))))));
  }

  async function pagePlatform(gen) {
    await loadClouds();
    const tenants = await Promise.all(MODULES.map((m) => api(`/${m}/tenant`).then((x) => ({ module: m, ...x })).catch((e) => ({ module: m, error: e }))));
    paint(gen,
      subnav('platform'),
      pageHead(t('dp.platform.title'), t('dp.platform.desc')),
      tenants.map((tn) => (tn.error ? card(t('dp.tenant.of', { m: t('dp.module.' + tn.module) }), errorBox(tn.error)) : tenantCard(tn))));
  }

  // ------------------------------------------------------------------ start

  window.addEventListener('hashchange', route);
  route();
})();

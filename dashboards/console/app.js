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

  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; this.detail = detail; }
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
    if (!res.ok) throw new ApiError(res.status, (data && data.detail) || res.statusText);
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
    hosts: () => role() !== 'department-admin',
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
        link('why', '#/why'),
        link('quotas', '#/quotas'),
        may.decideQuotas() ? link('inbox', '#/quota-inbox') : null,
        may.audit() ? link('audit', '#/audit') : null) : h('span', { class: 'spacer' }),
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
    Q.token = null; Q.me = null; Q.clouds = null;
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
    [/^#\/why(?:\/(.+))?$/, pageWhy],
    [/^#\/audit$/, pageAudit],
    [/^#\/quotas$/, pageQuotas],
    [/^#\/quota-inbox$/, pageInbox],
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
        form)));
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

  // ------------------------------------------------------------------ start

  window.addEventListener('hashchange', route);
  route();
})();

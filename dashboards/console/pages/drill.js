/* One DR drill (#/drills/{id}): its steps while it runs (polled every second), then its report. */
import { API, api } from '../core/api.js';
import { append, bar, card, dl, errorBox, forbidden, h, main, pageHead, s, table, tile } from '../core/dom.js';
import { listOf, mins, num, pct, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { DRILL_ROLES } from '../core/roles.js';
import { current, nav, paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';
import { drillBadge, stateBadge } from '../widgets/badges.js';

const DRILL_DONE = ['closed', 'aborted'];

export async function pageDrill(gen, _params, id) {
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
    d.state_text || d.state_reason || null, h('a', { href: '#/drills', class: 'back' }, t('back.drills'))),
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
    nav.timers.push(setTimeout(async () => {
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

/* Every system of the drilled clouds in one bar: within RTO, late, no place, not protected; the parts add up to all. */
function headlineBar(hl) {
  const parts = [['within_rto', 'c-within'], ['late', 'c-late'], ['no_place', 'c-lost'], ['not_protected', 'c-unprotected']];
  const strip = h('div', { class: 'headline-strip', role: 'img', 'aria-label': t('drill.headline', { n: num(hl.systems) }) },
    ...parts.filter(([k]) => hl[k] > 0).map(([k, cls]) =>
      h('span', { class: cls, style: `flex: ${hl[k]}`, title: `${t('drill.hl.' + k)}: ${num(hl[k])}` })));
  return h('div', { class: 'drill-headline', 'data-testid': 'drill-headline', 'data-systems': hl.systems },
    h('p', {}, h('strong', {}, t('drill.headline', { n: num(hl.systems) }))),
    strip,
    h('ul', { class: 'legend' }, ...parts.map(([k, cls]) =>
      h('li', { 'data-part': k, 'data-count': hl[k] }, h('span', { class: 'swatch ' + cls, 'aria-hidden': 'true' }),
        `${t('drill.hl.' + k)} ${num(hl[k])} (${pct(hl.shares[k], 1)})`))));
}

function drillReport(d, r) {
  const sm = r.summary;
  const measured = r.basis === 'measured';
  const basisNote = t(measured ? 'drill.basis.measured' : 'drill.basis.predicted');
  const hl = r.headline;
  const tiles = h('div', { class: 'tiles', 'data-testid': 'drill-summary' },
    tile(t('drill.sum.systems'), num(hl.systems), t('drill.sum.notprotected', { n: num(hl.not_protected) }), 'drill-systems'),
    tile(t('drill.sum.within'), pct(hl.shares.within_rto, 1),
      t('drill.sum.within_of_all', { n: num(hl.within_rto), all: num(hl.systems), basis: basisNote }), 'drill-within'),
    tile(t('drill.sum.protected'), num(sm.protected), t('drill.sum.protected_share', { share: pct(sm.share_within_rto, 1) }), 'drill-protected'),
    tile(t('drill.sum.recovered'), num(sm.recovered), null, 'drill-recovered'),
    tile(t('drill.sum.didnotfit'), num(sm.did_not_fit), null, 'drill-didnotfit'),
    tile(t('drill.sum.slowest'), mins(sm.slowest_minutes, 2), null, 'drill-slowest'),
    tile(t('drill.sum.moves'), num(sm.plan_moves), sm.plan_seconds !== null && sm.plan_seconds !== undefined
      ? t('drill.sum.planned_in', { s: num(sm.plan_seconds, 2) }) : null, 'drill-moves'));
  const htmlBtn = h('button', { type: 'button', class: 'btn', 'data-action': 'html-report', onclick: () => openDrillHtml(d.id) }, t('drill.html'));
  return h('div', { 'data-testid': 'drill-report' },
    h('div', { class: 'report-head' }, h('h2', {}, t('drill.report')), htmlBtn),
    headlineBar(hl),
    tiles,
    rtoCard(r),
    slowestCard(r),
    h('div', { class: 'three-col' }, didNotFitCard(r), capacityCard(r), failbackCard(d, r)),
    (r.policy_notes || []).length ? card(t('notes.title'), h('ul', { 'data-testid': 'drill-notes' },
      r.policy_notes.map((n) => h('li', {}, n.text)))) : null);
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
        h('td', { class: 'small' }, x.text || x.reason || '–'))), { class: 'data' })
      : h('p', { class: 'text-ok' }, '✓ ' + t('drill.didnotfit.none')),
    r.not_protected && r.not_protected.count
      ? h('p', { class: 'muted small' }, t('drill.notprotected', { n: num(r.not_protected.count) }), r.not_protected.reason ? ` (${r.not_protected.text || r.not_protected.reason})` : '') : null));
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
    f.state_reason ? h('p', { class: 'muted small' }, f.state_text || f.state_reason) : null,
    f.stayed && f.stayed.length
      ? [h('h3', {}, t('drill.failback.stayed')), h('ul', { class: 'small' }, f.stayed.map((x) => h('li', {}, typeof x === 'string' ? x : `${x.workload || ''} ${x.reason || ''}`)))]
      : h('p', { class: 'text-ok small' }, '✓ ' + t('drill.failback.home')),
    h('a', { href: `#/plans/${f.plan}` }, t('drill.plan.link', { id: f.plan }))));
}

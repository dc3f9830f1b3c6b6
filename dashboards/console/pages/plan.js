/* One plan (#/plans/{id}): its state, the buttons the user may press (each disabled while its request
   is pending, with progress and the result shown), progress (polled while it runs), figures, who must
   approve next, moves, the freed hosts it disables, and after a rollback the rollback as its own phase. */
import { api } from '../core/api.js';
import { badge, card, errorBox, forbidden, h, main, pageHead, s, table } from '../core/dom.js';
import { listOf, num, pct, when } from '../core/format.js';
import { t } from '../core/i18n.js';
import { approves, may } from '../core/roles.js';
import { current, nav, paint } from '../core/router.js';
import { cloudName, loadClouds, Q, role } from '../core/session.js';
import { approvalLabel } from '../widgets/approvals.js';
import { stateBadge } from '../widgets/badges.js';
import { hostLink } from '../widgets/fleet.js';
import { listTable } from '../widgets/table.js';

const LIVE_STATES = ['executing', 'rolling back'];
const BACK_STATES = ['rolling back', 'rolled back'];
const OPERATIONAL = ['rebalance', 'drain', 'place-pending'];

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
  if (p.state === 'executing' && mayRun && OPERATIONAL.includes(p.kind)) out.push('pause');
  if (p.state === 'paused' && mayRun) out.push('resume');
  if (['succeeded', 'failed', 'paused'].includes(p.state) && mayRun) out.push('rollback');
  if (open && (p.proposer === Q.me.username || province)) out.push('cancel');
  return out;
}

export async function pagePlan(gen, _params, id) {
  if (!may.plans()) { paint(gen, forbidden(t('forbidden.plans', { role: t('role.' + role()) }))); return; }
  await loadClouds();
  const p = await api(`/plans/${id}`);
  // The active hosts before the plan come from the snapshot it was built on (fetched once, not polled).
  let before = null;
  try {
    const doc = await api(`/plans/${id}/document`);
    before = new Set(doc.fleet.workloads.filter((w) => w.host).map((w) => w.host)).size;
    p.fill_target = (doc.fleet.objective || {}).fill_target || null;
  } catch (_) { /* the figure is optional */ }
  if (!current(gen)) return;
  const view = h('div', {});
  main().replaceChildren(view);
  drawPlan(gen, view, p, before);
}

function drawPlan(gen, view, p, before, fill) {
  if (fill !== undefined) p.fill_target = fill;
  const inFlight = (p.progress || {}).forward_running || (p.progress || {}).rollback_running;
  const live = LIVE_STATES.includes(p.state) || (p.state === 'paused' && inFlight);
  const back = BACK_STATES.includes(p.state);
  // the forward plan: its figures, moves and chart; after a rollback they are history, folded away
  const forward = [
    h('div', { class: 'two-col' }, statsCard(p, before), approvalsCard(p)),
    p.dry_run ? dryRunCard(p.dry_run) : null,
    movesCard(p),
    p.host_actions.length ? hostActionsCard(p) : null,
    p.hosts.length ? hostsChartCard(p.hosts) : null,
  ].filter(Boolean);
  view.replaceChildren(...[
    pageHead(h('span', {}, t('plan.title', { id: p.id }), ' ', h('span', { 'data-testid': 'plan-state', 'data-state': p.state }, stateBadge(p.state))),
      p.state_text || p.state_reason || null, h('a', { href: '#/plans', class: 'back' }, t('back.plans'))),
    planMeta(p),
    actionBar(gen, view, p, before),
    p.progress && (p.progress.forward_done !== undefined || live || p.rollback.length || Object.keys(p.progress).length > 1) ? progressCard(p, live) : null,
    p.state === 'paused' ? h('div', { class: 'alert', role: 'status', 'data-testid': 'paused-note' },
      inFlight ? t('plan.paused.finishing', { n: num(inFlight) }) : t('plan.paused.note')) : null,
    back || p.rollback.length ? rollbackCard(p) : null,
    ...(back ? [h('details', { class: 'card forward-phase', 'data-testid': 'forward-phase' },
      h('summary', {}, t('plan.forward.undone')), ...forward)] : forward),
    p.notes.length ? card(t('notes.title'), h('ul', {}, p.notes.map((n) => h('li', {}, n)))) : null,
    p.unplaced.length ? card(t('unplaced.title'), h('ul', {}, p.unplaced.map((u) => h('li', { 'data-testid': 'unplaced-row' },
      h('a', { href: `#/why/${encodeURIComponent(u.workload || u.id || '')}` }, u.workload || u.id || ''), ' ', u.text || u.reason || '')))) : null,
  ].filter(Boolean));
  if (live) {  // poll while the executor works; stops when the page changes or the plan settles
    nav.timers.push(setTimeout(async () => {
      if (!current(gen)) return;
      try {
        const fresh = await api(`/plans/${p.id}`);
        if (current(gen)) drawPlan(gen, view, fresh, before, p.fill_target);
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
    p.fill_target ? item(t('plan.fill_target'), h('span', { 'data-testid': 'fill-target' },
      listOf(Object.entries(p.fill_target).map(([r, v]) => `${t('res.' + r)} ${pct(v, 0)}`)))) : null,
    p.drain_hosts ? item(t('plans.hosts'), p.drain_hosts.join(', ')) : null));
}

function actionBar(gen, view, p, before) {
  const acts = planActions(p);
  if (!may.act()) return null;
  const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true, 'data-testid': 'action-error' });
  let pending = false;  // one request at a time: a second click while one is pending does nothing
  const buttons = () => [...bar.querySelectorAll('button'), ...rejectForm.querySelectorAll('button')];
  const run = async (act, path, body, confirmKey) => {
    if (pending) return;
    if (confirmKey && !window.confirm(t(confirmKey, { id: p.id }))) return;
    pending = true;
    err.hidden = true;
    buttons().forEach((b) => { b.disabled = true; });
    const pressed = bar.querySelector(`[data-action=${act}]`) || rejectForm.querySelector('[data-action=reject-confirm]');
    if (pressed) { pressed.setAttribute('aria-busy', 'true'); pressed.classList.add('busy'); }
    const t0 = Date.now();
    status.replaceChildren(h('span', { class: 'pulse', 'aria-hidden': 'true' }), ' ', t('act.pending.' + act));
    status.dataset.state = 'pending';
    const tick = setInterval(() => {  // a request that takes a while says so, second by second
      const sec = Math.round((Date.now() - t0) / 1000);
      if (sec >= 2) status.lastChild.textContent = ` ${t('act.pending.' + act)} ${t('act.elapsed', { s: sec })}`;
    }, 1000);
    try {
      const fresh = await api(`/plans/${p.id}/${path}`, { method: 'POST', body });
      clearInterval(tick);
      if (!current(gen)) return;
      drawPlan(gen, view, fresh, before, p.fill_target);
      const st = view.querySelector('[data-testid=action-status]');
      if (st) { st.textContent = '✓ ' + t('act.done.' + act); st.dataset.state = 'done'; }
    } catch (e) {
      clearInterval(tick);
      pending = false;
      status.textContent = '';
      status.dataset.state = 'failed';
      err.textContent = e.detail || String(e);
      err.hidden = false;
      if (pressed) { pressed.removeAttribute('aria-busy'); pressed.classList.remove('busy'); }
      buttons().forEach((b) => { b.disabled = false; });
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
    pause: () => btn('pause', '', () => run('pause', 'pause', undefined, 'act.confirm.pause')),
    resume: () => btn('resume', 'btn-primary', () => run('resume', 'resume')),
    rollback: () => btn('rollback', 'btn-danger-outline', () => run('rollback', 'rollback', undefined, 'act.confirm.rollback')),
    cancel: () => btn('cancel', '', () => run('cancel', 'cancel', undefined, 'act.confirm.cancel')),
  };
  const bar = h('div', { class: 'actions', 'data-testid': 'plan-actions' },
    acts.length ? acts.map((a) => handlers[a]()) : h('span', { class: 'muted' }, t('act.none')));
  const status = h('span', { class: 'muted', role: 'status', 'aria-live': 'polite', 'data-testid': 'action-status' });
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
          p.host_actions.length ? h('span', { class: 'muted small' }, ' ' + t('progress.hosts', { n: num(p.host_actions.length) })) : null,
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
      item(t('stats.moves'), h('span', { 'data-testid': 'move-count', 'data-moves': String(p.move_counts.moves) },
        t('stats.moves.value', { n: num(p.move_counts.moves), m: num(p.move_counts.migrations), p: num(p.move_counts.placements) }),
        p.move_counts.restarts ? t('stats.moves.restarts', { n: num(p.move_counts.restarts) }) : '')),
      p.move_counts.hosts_disabled ? item(t('stats.hosts_disabled'), num(p.move_counts.hosts_disabled)) : null,
      item(t('stats.peak'), pct(st.peak_utilisation, 1)),
      item(t('stats.solve'), `${num(st.solve_seconds, 2)} s`),
      item(t('stats.status'), st.status_text || st.status || '–'))));
}

function nextApprovers(p) {
  if (!p.next_approvers || !p.next_approvers.length) return null;
  return h('div', { class: 'next-approvers', 'data-testid': 'next-approvers' },
    h('strong', {}, t('approvals.next')),
    h('ul', {}, p.next_approvers.map((n) => h('li', { 'data-scope': n.scope },
      approvalLabel(n.scope), ' · ', n.role ? t('role.' + n.role) : '–', ': ',
      n.accounts.length ? h('span', { class: 'accounts' }, listOf(n.accounts)) : h('span', { class: 'muted' }, t('approvals.nobody'))))));
}

function approvalsCard(p) {
  if (!p.approvals.length) return card(t('approvals.title'), h('p', { class: 'muted' }, t('approvals.none')));
  return card(t('approvals.title'), h('p', { class: 'muted small' }, t('approvals.desc')),
    nextApprovers(p),
    table(t('approvals.title'), [t('col.approval_scope'), t('col.rules'), t('col.reason'), t('col.moves_of', { n: num(p.move_counts.moves) }), t('col.approved')],
      p.approvals.map((a) => h('tr', { 'data-testid': 'approval-row', 'data-key': a.key, 'data-approved': a.approved_by ? 'true' : 'false' },
        h('th', { scope: 'row' }, approvalLabel(a.key)),
        h('td', { class: 'small' }, (a.rule_names && a.rule_names.length ? a.rule_names : a.rules).join(t('list.sep'))),
        h('td', { class: 'small' }, (a.said && a.said.length ? a.said.map((x) => x.text) : a.reasons).join(t('list.clauses'))),
        h('td', { class: 'num' }, num(a.moves)),
        h('td', {}, a.approved_by ? badge('approval', 'done', t('approval.done', { user: a.approved_by, t: when(a.approved_at) }))
          : badge('approval', 'pending', t('approval.pending'))))),
      { class: 'data' }));
}

function movesTable(moves, rollback) {
  return table(t('moves.title'), [t('col.step'), t('col.workload'), t('col.from'), t('col.to'), t('col.reason'), t('col.move_state')],
    moves.map((m) => moveRow(m, rollback)), { class: 'data' });
}

function moveRow(m, rollback) {
  return (h('tr', { 'data-testid': rollback ? 'rollback-row' : 'move-row', 'data-state': m.state || '', 'data-kind': m.kind || 'move' },
      h('th', { scope: 'row', class: 'num' }, num(m.step)),
      h('td', {}, m.kind && m.kind !== 'move' ? h('strong', {}, t('hostAction.' + m.kind))
        : h('a', { href: `#/why/${encodeURIComponent(m.workload)}` }, m.workload)),
      h('td', {}, m.from ? hostLink(m.from) : h('span', { class: 'muted' }, m.kind && m.kind !== 'move' ? '–' : t('moves.new'))),
      h('td', {}, hostLink(m.to)),
      h('td', { class: 'small', 'data-code': m.code || '' }, m.text || m.reason),
      h('td', {}, m.state ? badge('move', m.state, t('move.' + m.state)) : '–',
        m.error ? h('div', { class: 'small text-danger' }, m.error) : null)));
}

function hostActionsCard(p) {
  return card(t('hostActions.title'), h('p', { class: 'muted small' }, t('hostActions.desc')),
    table(t('hostActions.title'), [t('col.step'), t('col.host'), t('col.reason'), t('col.move_state')],
      p.host_actions.map((m) => h('tr', { 'data-testid': 'host-action-row', 'data-host': m.to, 'data-state': m.state || '' },
        h('th', { scope: 'row', class: 'num' }, num(m.step)),
        h('td', {}, hostLink(m.to)),
        h('td', { class: 'small' }, m.text || m.reason),
        h('td', {}, m.state ? badge('move', m.state, t('move.' + m.state)) : '–',
          m.error ? h('div', { class: 'small muted' }, m.error) : null))),
      { class: 'data' }));
}

// After a rollback the page leads with it: what it did, step by step, and what it cannot undo.
function rollbackCard(p) {
  const moves = p.rollback.filter((m) => m.kind === 'move').length;
  const hosts = p.rollback.filter((m) => m.kind === 'enable-host').length;
  const kept = p.move_counts.placements;
  return card(t('rollback.phase'), h('div', { 'data-testid': 'rollback-phase' },
    h('p', {}, t('rollback.explain')),
    h('p', { class: 'small' }, t('rollback.summary', { m: num(moves), h: num(hosts) }),
      kept ? [' ', h('strong', {}, t('rollback.kept', { n: num(kept) }))] : null),
    p.rollback.length ? movesTable(p.rollback, true) : h('p', { class: 'muted' }, t('rollback.nothing'))));
}

// The forward moves through the shared table widget (sorted, filtered and paged by GET /plans/{id}/moves);
// while the page polls, the last table stays on screen until the new one is read.
let lastMoves = null;
function movesCard(p) {
  if (!p.moves.length) return card(t('moves.title'), h('p', { class: 'muted' }, t('moves.empty')));
  const box = h('div', { 'data-testid': 'moves-box' }, lastMoves && lastMoves.id === p.id ? lastMoves.el : null);
  listTable({
    path: `/plans/${p.id}/moves`, testid: 'moves', caption: t('moves.title'), prefix: 'm_', defaultSort: 'step',
    columns: [{ label: t('col.step'), sort: 'step', num: true }, { label: t('col.workload'), sort: 'workload' },
      { label: t('col.from'), sort: 'from_host' }, { label: t('col.to'), sort: 'to_host' }, { label: t('col.reason') },
      { label: t('col.move_state'), sort: 'state' }],
    filters: [{ name: 'q', label: t('table.search'), type: 'search', placeholder: t('table.search.move') },
      { name: 'state', label: t('col.move_state'), type: 'select', values: ['planned', 'pending', 'running', 'done', 'failed', 'skipped'],
        labelOf: (v) => t('move.' + v) }],
    row: (m) => moveRow(m, false),
  }).then((el) => { lastMoves = { id: p.id, el }; box.replaceChildren(el); })
    .catch((x) => box.replaceChildren(errorBox(x)));
  return card(t('moves.title'), box);
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

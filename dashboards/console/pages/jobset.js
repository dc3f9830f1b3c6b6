/* One job set (#/jobs/{id}): its schedule as a Gantt chart over the forecast capacity, its jobs and re-plans. */
import { api } from '../core/api.js';
import { badge, card, forbidden, h, main, pageHead, s, table, tile } from '../core/dom.js';
import { listOf, mins, num, UNITS, when, withUnit } from '../core/format.js';
import { t } from '../core/i18n.js';
import { JOB_ROLES } from '../core/roles.js';
import { current, nav, paint } from '../core/router.js';
import { cloudName, loadClouds, role } from '../core/session.js';
import { jobBadge, runBadge } from '../widgets/badges.js';

export async function pageJobSet(gen, _params, id) {
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
    pageHead(h('span', {}, t('jobs.set.title', { id: js.id }), js.name ? ` · ${js.name_text || js.name}` : ''),
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
    nav.timers.push(setTimeout(async () => {
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

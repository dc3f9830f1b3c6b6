/* Building the page with DOM calls (never innerHTML with API data, so names from the clouds cannot inject
   markup), and the small pieces every page is made of: cards, tables, tiles, bars, badges, form fields. */
import { t } from './i18n.js';
import { num, pct, withUnit } from './format.js';

const SVGNS = 'http://www.w3.org/2000/svg';

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}
// An SVG element, for the charts drawn here.
export function s(tag, attrs, ...children) {
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
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}
export const main = () => document.getElementById('main');

export function badge(kind, value, label) {
  return h('span', { class: `badge ${kind}-${String(value).replace(/\s+/g, '-')}`, 'data-state': value }, label);
}

export function card(title, ...body) {
  const id = 'c' + Math.random().toString(36).slice(2, 8);
  return h('section', { class: 'card', 'aria-labelledby': title ? id : null },
    title ? h('h2', { id }, title) : null, body);
}
export function table(caption, headers, rows, attrs) {
  return h('div', { class: 'table-wrap' },
    h('table', attrs || {},
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}
export function tile(label, value, sub, testid) {
  return h('div', { class: 'tile', 'data-testid': testid },
    h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value),
    sub ? h('div', { class: 'tile-sub' }, sub) : null);
}
export function fillClass(frac) {
  if (frac === null || frac === undefined) return 'f-none';
  if (frac >= 0.9) return 'f-5';
  if (frac >= 0.75) return 'f-4';
  if (frac >= 0.5) return 'f-3';
  if (frac >= 0.25) return 'f-2';
  if (frac > 0) return 'f-1';
  return 'f-0';
}
// A horizontal bar with its value in words beside it: the text is what a screen reader reads.
export function bar(frac, text, extra) {
  const w = Math.max(0, Math.min(1, frac || 0)) * 100;
  return h('div', { class: 'bar ' + (extra || '') },
    h('div', { class: 'bar-track', 'aria-hidden': 'true' },
      h('div', { class: 'bar-fill ' + fillClass(frac), style: `width:${w.toFixed(1)}%` })),
    h('span', { class: 'bar-text' }, text));
}
// Allocated against capacity: the share as a bar, the figures under it.
export function allocBar(allocated, capacity, res) {
  const frac = capacity ? allocated / capacity : null;
  return h('div', {}, bar(frac, pct(frac)), h('div', { class: 'muted small nowrap' }, `${num(allocated)} / ${withUnit(capacity, res)}`));
}

export function errorBox(err) {
  return h('div', { class: 'alert alert-error', role: 'alert' }, err && err.detail ? err.detail : String(err));
}
export function loading() {
  return h('p', { class: 'muted', role: 'status' }, t('loading'));
}
export function forbidden(message) {
  return h('section', { class: 'card forbidden', 'data-testid': 'forbidden' },
    h('h1', {}, t('forbidden.title')), h('p', {}, message));
}
export function pageHead(title, sub, back) {
  return h('div', { class: 'page-head' },
    back || null,
    h('h1', {}, title),
    sub ? h('p', { class: 'muted' }, sub) : null);
}

// Form pieces. A field is a label, its control and an optional hint; field() gives the hint an id
// (for aria-describedby), qfield() does not.
export const field = (id, label, control, hint) => h('div', { class: 'field' },
  h('label', { for: id }, label), control, hint ? h('small', { class: 'muted', id: id + '-hint' }, hint) : null);
export const qfield = (id, label, control, hint) => h('div', { class: 'field' },
  h('label', { for: id }, label), control, hint ? h('small', { class: 'muted' }, hint) : null);
// A sentence that names a document's fields: each field name (an ASCII identifier) set as <code>, so it
// reads as the name it is, in either language.
export const withCode = (text) => String(text).split(/([A-Za-z_][A-Za-z0-9_]*)/)
  .map((part, i) => (i % 2 ? h('code', {}, part) : part)).filter((x) => x !== '');
export const dl = (...items) => h('dl', { class: 'meta' }, items.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
export const errBox = () => h('div', { class: 'alert alert-error', role: 'alert', hidden: true, 'data-testid': 'form-error' });
export const statusLine = () => h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });
export const selectOf = (id, name, values, labelOf, value, extra) => h('select', { id, name, ...(extra || {}) },
  values.map((v) => h('option', { value: v, selected: v === value }, labelOf(v))));

// The input an API error names (its `field`) marked invalid and focused, the API's message written under it
// (and read with it: aria-describedby); earlier marks and messages cleared.
export function markInvalid(form, e) {
  form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  form.querySelectorAll('.field-error').forEach((x) => {
    const owner = form.querySelector(`[aria-describedby~="${x.id}"]`);
    if (owner) owner.setAttribute('aria-describedby', owner.getAttribute('aria-describedby').replace(x.id, '').trim() || '');
    x.remove();
  });
  const target = e && e.field ? (form.querySelector(`[name="${CSS.escape(e.field)}"]`) || form.querySelector(`#${CSS.escape(e.field)}`)) : null;
  if (!target) return;
  target.setAttribute('aria-invalid', 'true');
  const msg = String(e.detail || '').startsWith(e.field + ': ') ? String(e.detail).slice(e.field.length + 2) : String(e.detail || '');
  const id = 'err-' + Math.random().toString(36).slice(2, 8);
  const note = h('small', { class: 'field-error', id, 'data-testid': 'field-error', 'data-field': e.field }, msg);
  (target.closest('.field-row') || target).insertAdjacentElement('afterend', note);  // under a grid row, not in it
  target.setAttribute('aria-describedby', ((target.getAttribute('aria-describedby') || '') + ' ' + id).trim());
  target.focus();
}

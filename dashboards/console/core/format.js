/* Numbers, units, times and lists as the user reads them, in the language picked. */
import { lang, locale, t } from './i18n.js';

const TZ = 'Asia/Shanghai';

export function num(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits ?? 0 }).format(n);
}
export function pct(frac, digits) {
  if (frac === null || frac === undefined) return '–';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits ?? 0 }).format(frac);
}
export const UNITS = { vcpu: 'vCPU', memory_gib: 'GiB', gpu: 'GPU', storage_gib: 'GiB' };
export const withUnit = (n, res, digits) => num(n, digits) + '\u00a0' + UNITS[res];

// The API stores UTC and sends naive ISO times; they are shown in Beijing time.
function beijing(iso, seconds) {
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23',
  }).formatToParts(d).map((x) => [x.type, x.value]));
  const day = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  return seconds ? `${day}:${parts.second}` : day;
}
// One unambiguous shape in both languages: 2026-11-27 00:45:10.
export const when = (iso) => (iso ? beijing(iso, true) : '–');
// The same to the minute (the public open-data page): 2026-11-27 00:45.
export const whenMinute = (iso) => (iso ? beijing(iso, false) : '–');

// Minutes, or seconds under a minute (a live drill on the simulator recovers in seconds).
export const mins = (m, digits) => (m === null || m === undefined ? '–' : m > 0 && m < 1 ? `${num(m * 60, 1)}\u00a0${t('unit.s')}`
  : `${num(m, digits ?? 1)}\u00a0${t('unit.min')}`);
export const listOf = (xs) => xs.join(lang() === 'en' ? ', ' : '、');

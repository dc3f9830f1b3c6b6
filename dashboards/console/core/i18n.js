/* Labels in Chinese (the default) and English, and the language the user picked. Keys are shared; a key
   missing in one language falls back to the other, then to the key itself, so a gap never breaks a page.
   The language is remembered in localStorage (qianyun.lang), shared by the console and the open-data page. */
import zhConsole from '../i18n/zh-CN/console.js';
import zhOperations from '../i18n/zh-CN/operations.js';
import zhDataPlatform from '../i18n/zh-CN/data-platform.js';
import zhWhatif from '../i18n/zh-CN/whatif.js';
import zhSecurity from '../i18n/zh-CN/security.js';
import enConsole from '../i18n/en/console.js';
import enOperations from '../i18n/en/operations.js';
import enDataPlatform from '../i18n/en/data-platform.js';
import enWhatif from '../i18n/en/whatif.js';
import enSecurity from '../i18n/en/security.js';

// Later tables win on a shared key, as the sections of the one dictionary did.
export const DICT = {
  zh: { ...zhConsole, ...zhOperations, ...zhDataPlatform, ...zhWhatif, ...zhSecurity },
  en: { ...enConsole, ...enOperations, ...enDataPlatform, ...enWhatif, ...enSecurity },
};

let current = localStorage.getItem('qianyun.lang') === 'en' ? 'en' : 'zh';

/** 'zh' or 'en'. */
export const lang = () => current;

/** Switches to the other language and remembers the choice. */
export function toggleLang() {
  current = current === 'en' ? 'zh' : 'en';
  localStorage.setItem('qianyun.lang', current);
}

export function t(key, vars) {
  let s = (DICT[current] && DICT[current][key]) || (DICT.zh && DICT.zh[key]) || key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  return s;
}

export const locale = () => (current === 'en' ? 'en-GB' : 'zh-CN');

// A label from the dictionary, or the value itself when the dictionary does not know it.
export const tx = (key, value) => { const s = t(key); return s === key ? String(value) : s; };
// A data-platform value (dp.<kind>.<value>) in words; '–' for none.
export const dpLabel = (kind, v) => (v === null || v === undefined || v === '' ? '–' : tx(`dp.${kind}.${v}`, v));

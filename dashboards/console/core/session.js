/* Who is logged in, and what the console keeps for them until logout. The token lives in sessionStorage
   (gone with the tab); the language is kept by i18n.js in localStorage. */
import { all, authorize } from './api.js';
import { lang } from './i18n.js';
import { route } from './router.js';

export const Q = {
  token: sessionStorage.getItem('qianyun.token'),
  me: JSON.parse(sessionStorage.getItem('qianyun.me') || 'null'),
  clouds: null,    // cloud id -> cloud, for names
  depts: null,     // the departments the user may speak for (widgets/data.js)
  flash: null,     // a message for the login page (why the user was sent there)
  dpFlash: null,   // a message for the next data-platform page (what the last action did)
};

export function logout(message) {
  Q.token = null; Q.me = null; Q.clouds = null; Q.depts = null;
  sessionStorage.removeItem('qianyun.token');
  sessionStorage.removeItem('qianyun.me');
  Q.flash = message || null;
  if (location.hash !== '#/login') location.hash = '#/login'; else route();
}

authorize(() => Q.token, logout);

export const role = () => (Q.me ? Q.me.role : null);

export async function loadClouds() {
  if (!Q.clouds) {
    const items = await all('/clouds');
    Q.clouds = Object.fromEntries(items.map((c) => [c.id, c]));
  }
  return Q.clouds;
}

export function cloudName(id) {
  const c = Q.clouds && Q.clouds[id];
  if (!c) return id;
  return lang() === 'en' ? c.name_en : c.name;
}

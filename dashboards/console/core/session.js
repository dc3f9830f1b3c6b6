/* Who is logged in, and what the console keeps for them until logout. The token lives in sessionStorage
   (gone with the tab); the language is kept by i18n.js in localStorage. */
import { all, API, authorize } from './api.js';
import { lang } from './i18n.js';
import { route } from './router.js';

export const Q = {
  token: sessionStorage.getItem('qianyun.token'),
  me: JSON.parse(sessionStorage.getItem('qianyun.me') || 'null'),
  clouds: null,    // cloud id -> cloud, for names
  depts: null,     // the departments the user may speak for (widgets/data.js)
  deptNames: null, // department id -> department, for names
  flash: null,     // a message for the login page (why the user was sent there)
  dpFlash: null,   // a message for the next data-platform page (what the last action did)
};

/** Keep a login: the access token, the refresh token that renews it, and who it is. */
export function keep(tokens, me) {
  Q.token = tokens.access_token;
  sessionStorage.setItem('qianyun.token', Q.token);
  if (tokens.refresh_token) sessionStorage.setItem('qianyun.refresh', tokens.refresh_token);
  if (me) { Q.me = me; sessionStorage.setItem('qianyun.me', JSON.stringify(me)); }
}

/** Log out: the server ends the session (its tokens stop working everywhere), then the tab forgets it. */
export function logout(message) {
  if (Q.token && !message) {  // a chosen logout (not an expired session): revoke it on the server
    fetch(API + '/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + Q.token }, keepalive: true })
      .catch(() => {});
  }
  Q.token = null; Q.me = null; Q.clouds = null; Q.depts = null; Q.deptNames = null;
  sessionStorage.removeItem('qianyun.token');
  sessionStorage.removeItem('qianyun.refresh');
  sessionStorage.removeItem('qianyun.me');
  Q.flash = message || null;
  if (location.hash !== '#/login') location.hash = '#/login'; else route();
}

async function refresh() {
  const rt = sessionStorage.getItem('qianyun.refresh');
  if (!rt) return false;
  const res = await fetch(API + '/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: rt }) });
  if (!res.ok) { sessionStorage.removeItem('qianyun.refresh'); return false; }
  keep(await res.json());
  return true;
}

authorize(() => Q.token, logout, refresh);

export const role = () => (Q.me ? Q.me.role : null);

export async function loadClouds() {
  if (!Q.clouds) {
    const items = await all('/clouds');
    Q.clouds = Object.fromEntries(items.map((c) => [c.id, c]));
  }
  return Q.clouds;
}

/** The departments the user may see, by id, for their names (a page that fails to load them shows ids). */
export async function loadDeptNames() {
  if (!Q.deptNames) {
    try {
      const items = await all('/departments');
      Q.deptNames = Object.fromEntries(items.map((d) => [d.id, d]));
    } catch (_) { Q.deptNames = {}; }
  }
  return Q.deptNames;
}

/** A department's display name in the chosen language; its id when the name is not known. */
export function deptName(id) {
  const d = Q.deptNames && Q.deptNames[id];
  if (!d) return id;
  return (lang() === 'en' ? d.name_en : d.name) || id;
}

export function cloudName(id) {
  const c = Q.clouds && Q.clouds[id];
  if (!c) return id;
  return lang() === 'en' ? c.name_en : c.name;
}

/* Qianyun console: a small single-page app over the JSON API (/api/v1), as native ES modules. No framework,
   no build step, nothing loaded from outside: the console must work on a government network with no internet.
   This entry point draws the top bar and maps each address to its page (one module per page in pages/);
   core/ holds what every page uses (API client, router, i18n, DOM helpers, formats, session, roles). */
import { errorBox, h, main } from './core/dom.js';
import { lang, t, toggleLang } from './core/i18n.js';
import { AUDITOR_ROUTES, auditOnly, DRILL_ROLES, home, JOB_ROLES, may } from './core/roles.js';
import { route, start } from './core/router.js';
import { logout, Q, role } from './core/session.js';
import { pageAccount } from './pages/account.js';
import { pageAudit } from './pages/audit.js';
import { pageCatalog } from './pages/catalog.js';
import { pageCloud } from './pages/cloud.js';
import { pageCompliance } from './pages/compliance.js';
import { pageDrill } from './pages/drill.js';
import { pageDrills } from './pages/drills.js';
import { pageEntry } from './pages/entry.js';
import { pageEntryNew } from './pages/entry-new.js';
import { pageHost } from './pages/host.js';
import { pageJobs } from './pages/jobs.js';
import { pageJobSet } from './pages/jobset.js';
import { pageLogin } from './pages/login.js';
import { pageOpendata } from './pages/opendata.js';
import { pageOverview } from './pages/overview.js';
import { pagePlan } from './pages/plan.js';
import { pagePlans } from './pages/plans.js';
import { pagePlatform } from './pages/platform.js';
import { pageInbox } from './pages/quota-inbox.js';
import { pageQuotas } from './pages/quotas.js';
import { pageScenario, pageScenarioCompare } from './pages/scenario.js';
import { pageScenarios } from './pages/scenarios.js';
import { pageSharing } from './pages/sharing.js';
import { pageSitePolicy } from './pages/site-policy.js';
import { pageUsers } from './pages/users.js';
import { pageWhy } from './pages/why.js';

const DATA_ROUTES = ['#/catalog', '#/sharing', '#/opendata', '#/platform'];

const ROUTES = [
  [/^#\/login$/, pageLogin],
  [/^#\/overview$/, pageOverview],
  [/^#\/clouds\/([^/]+)$/, pageCloud],
  [/^#\/hosts\/([^/]+)$/, pageHost],
  [/^#\/plans$/, pagePlans],
  [/^#\/plans\/(\d+)$/, pagePlan],
  [/^#\/drills$/, pageDrills],
  [/^#\/drills\/(\d+)$/, pageDrill],
  [/^#\/scenarios$/, pageScenarios],
  [/^#\/scenarios\/compare$/, pageScenarioCompare],
  [/^#\/scenarios\/(\d+)$/, pageScenario],
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
  [/^#\/account$/, pageAccount],
  [/^#\/users$/, pageUsers],
  [/^#\/site-policy$/, pageSitePolicy],
];

function renderShell() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
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
      h('span', { class: 'brand-mark', 'aria-hidden': 'true', translate: 'no' }, '黔'),
      h('span', { class: 'brand-text' }, h('strong', {}, t('app.name')), h('small', {}, t('app.subtitle')))),
    Q.me ? h('nav', { 'aria-label': 'main' }, auditOnly() ? link('audit', '#/audit') : [
      link('overview', '#/overview'),
      may.plans() ? link('plans', '#/plans') : null,
      DRILL_ROLES.includes(role()) ? link('drills', '#/drills') : null,
      may.plans() ? link('scenarios', '#/scenarios') : null,
      JOB_ROLES.includes(role()) ? link('jobs', '#/jobs') : null,
      link('why', '#/why'),
      may.quotas() ? link('quotas', '#/quotas') : null,
      may.decideQuotas() ? link('inbox', '#/quota-inbox') : null,
      may.audit() ? link('audit', '#/audit') : null,
      h('a', { href: '#/catalog', 'data-nav': 'data', 'aria-current': DATA_ROUTES.some((r) => route.startsWith(r)) ? 'page' : null }, t('nav.data')),
      may.users() ? link('users', '#/users') : null,
      may.sitePolicy() ? link('site-policy', '#/site-policy') : null])
      : h('span', { class: 'spacer' }),
    h('div', { class: 'userbox' },
      Q.me ? h('a', { class: 'who', href: '#/account', 'data-testid': 'who', title: t('nav.account') },
        h('strong', {}, Q.me.username), ' · ', t('role.' + Q.me.role),
        Q.me.scope ? ` (${Q.me.scope})` : '') : null,
      h('button', {
        type: 'button', id: 'lang-toggle', class: 'btn btn-ghost', lang: lang() === 'en' ? 'zh-CN' : 'en',
        'aria-label': t('lang.switch.label'), onclick: switchLanguage,
      }, t('lang.switch')),
      Q.me ? h('button', { type: 'button', class: 'btn btn-ghost', id: 'logout', onclick: () => logout() }, t('logout')) : null));
}

function switchLanguage() {
  toggleLang();
  route();
  document.getElementById('lang-toggle').focus();
}

// Logged out, every address but the login page leads to it; logged in, the login page leads to the role's
// home page; the auditor's every address but the audit log and its account leads to the audit log.
function guard(path) {
  if (!Q.token && path !== '#/login') { location.hash = '#/login'; return false; }
  if (Q.token && (path === '' || path === '#' || path === '#/' || path === '#/login')) { location.hash = home(); return false; }
  if (Q.token && auditOnly() && !AUDITOR_ROUTES.includes(path)) { location.hash = '#/audit'; return false; }
  return true;
}

start({
  routes: ROUTES,
  guard,
  shell: renderShell,
  failed: (err) => (err.status !== 401 ? errorBox(err) : null),
});

/* Hash routing: '#/plans/7?x=1' picks the page whose pattern matches, with the pattern's groups (decoded)
   and the query as arguments. Every navigation bumps a generation number, so a slow answer never paints
   over a newer page, and stops the polling timers of the page left. */
import { h, loading, main } from './dom.js';
import { t } from './i18n.js';

export const nav = {
  gen: 0,       // bumped on every navigation
  timers: [],   // polling timers of the current page
};
let config = null;

/** Whether gen is still the page on screen. */
export const current = (gen) => gen === nav.gen;

/** Replaces the page's content, unless the user has moved on since gen. */
export function paint(gen, ...nodes) {
  if (!current(gen)) return false;
  main().replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
  return true;
}

/** Draws the page the address names (again). */
export function route() {
  nav.gen += 1;
  nav.timers.forEach(clearTimeout);
  nav.timers = [];
  const [path, query] = location.hash.split('?');
  if (config.guard && !config.guard(path)) return;
  config.shell();
  const params = new URLSearchParams(query || '');
  for (const [re, page] of config.routes) {
    const m = path.match(re);
    if (m) {
      main().replaceChildren(loading());
      const gen = nav.gen;
      Promise.resolve(page(gen, params, ...m.slice(1).map((x) => (x ? decodeURIComponent(x) : x))))
        .catch((err) => {
          if (!current(gen)) return;
          const box = config.failed(err);
          if (box) main().replaceChildren(box);
        });
      return;
    }
  }
  main().replaceChildren(h('p', {}, t('notfound')));
}

/** start({routes: [[RegExp, page(gen, params, ...groups)]], shell(), failed(err) -> node or null,
    guard(path) -> false when it sent the user elsewhere}): routes now and on every change of the hash. */
export function start(options) {
  config = options;
  window.addEventListener('hashchange', route);
  route();
}

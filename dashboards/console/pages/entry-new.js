/* A new catalog entry (#/catalog/new). */
import { card, forbidden, h, pageHead } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { isAuthority, isDeptAdmin } from '../core/roles.js';
import { paint } from '../core/router.js';
import { loadDepartments, subnav } from '../widgets/data.js';
import { entryForm } from '../widgets/entry-form.js';

export async function pageEntryNew(gen) {
  if (!isAuthority() && !isDeptAdmin()) { paint(gen, forbidden(t('forbidden.entry.create'))); return; }
  const depts = await loadDepartments();
  paint(gen, subnav('catalog'),
    pageHead(t('dp.entry.new'), t('dp.entry.new.desc'), h('a', { href: '#/catalog', class: 'back' }, t('back.catalog'))),
    card(null, entryForm(null, depts, (e) => { location.hash = `#/catalog/${e.id}`; })));
}

/* The JSON API client (/api/v1), shared by the console and the public open-data page. The console hands it
   the login token (authorize); the open-data page never does, so it never sends one. */
import { lang, t } from './i18n.js';

export const API = '/api/v1';

// detail is always text; field names the offending input when the API says which one. The API sends
// {"detail": "field: message", "field": ...} (api/errors.py); {"detail": {"field", "message"}} is read too.
export class ApiError extends Error {
  constructor(status, detail, field, retryAfter) {
    super(detail); this.status = status; this.detail = detail; this.field = field || null; this.retryAfter = retryAfter || null;
  }
}
function errorOf(res, data) {
  let detail = data && data.detail, field = data && data.field;
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
    field = field || detail.field;
    detail = detail.field && detail.message ? `${detail.field}: ${detail.message}` : (detail.message || JSON.stringify(detail));
  } else if (Array.isArray(detail)) {
    detail = detail.map((d) => (d && d.msg) || JSON.stringify(d)).join('; ');
  }
  return new ApiError(res.status, detail || res.statusText, field, res.headers.get('Retry-After'));
}

let tokenOf = () => null;
let onExpired = () => {};
let renew = async () => false;
/** The console's login: where the token is read, what to do when the API says it expired, and how to
    renew it once with the session's refresh token (access tokens are short-lived). */
export function authorize(getToken, expired, refresh) {
  tokenOf = getToken;
  onExpired = expired;
  if (refresh) renew = refresh;
}

/** api(path, {method, body}): the answer's JSON, or an ApiError. A body is sent as JSON, or as a form
    when it is URLSearchParams; with a body the method defaults to POST. */
export async function api(path, opts) {
  opts = opts || {};
  const token = tokenOf();
  // the server's sentences (reasons, explanations, refusals) come back in the language the user chose
  const headers = Object.assign({ Accept: 'application/json', 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN' }, opts.headers || {});
  if (token) headers.Authorization = 'Bearer ' + token;
  let body = opts.body;
  if (body !== undefined && !(body instanceof URLSearchParams)) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  const res = await fetch(API + path, { method: opts.method || (body ? 'POST' : 'GET'), headers, body });
  let data = null;
  try { data = await res.json(); } catch (_) { /* an empty or non-JSON body */ }
  if (res.status === 401 && tokenOf() && !opts.renewed && await renew()) {  // a short token ran out: renewed, once
    return api(path, { ...opts, renewed: true });
  }
  if (res.status === 401 && tokenOf()) {  // expired or revoked: back to the login page
    onExpired(t('error.session'));
    throw new ApiError(401, t('error.session'));
  }
  if (!res.ok) throw errorOf(res, data);
  return data;
}

// Every page of a listing, for the few views that need the whole set (heat map, cloud names).
export async function all(path) {
  const sep = path.includes('?') ? '&' : '?';
  let out = [], offset = 0, total = Infinity;
  while (offset < total) {
    const page = await api(`${path}${sep}limit=1000&offset=${offset}`);
    out = out.concat(page.items);
    total = page.total;
    offset += page.items.length;
    if (!page.items.length) break;
  }
  return out;
}

// A query string of the values given, empty ones left out: '?q=x&page=2', or '' for none.
export const qs = (o) => {
  const p = new URLSearchParams();
  Object.entries(o).forEach(([k, v]) => { if (v !== null && v !== undefined && v !== '') p.set(k, v); });
  const str = p.toString();
  return str ? '?' + str : '';
};

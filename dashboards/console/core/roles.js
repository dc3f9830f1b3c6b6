/* Who may do what. The API enforces all of this; the console only hides what the user could not do anyway. */
import { Q, role } from './session.js';

export const PLAN_ROLES = ['province-operator', 'city-operator', 'industry-operator', 'dr-coordinator'];
export const DRILL_ROLES = ['dr-coordinator', 'province-operator'];
export const JOB_ROLES = ['province-operator', 'city-operator', 'industry-operator', 'department-admin'];
export const SHARE_ROLES = ['department-admin', 'data-authority', 'province-operator'];
export const COMPLIANCE_ROLES = ['data-authority', 'province-operator', 'department-admin'];
export const SCAN_ROLES = ['data-authority', 'province-operator'];

export const may = {
  plans: () => PLAN_ROLES.includes(role()),
  hosts: () => !['department-admin', 'data-authority'].includes(role()),
  quotas: () => !['data-authority', 'auditor'].includes(role()),
  audit: () => ['auditor', 'province-operator'].includes(role()),
  propose: () => ['province-operator', 'city-operator', 'industry-operator'].includes(role()),
  act: () => PLAN_ROLES.includes(role()) && role() !== 'auditor',
  decideQuotas: () => ['province-operator', 'city-operator', 'industry-operator'].includes(role()),
  users: () => role() === 'system-admin',
  sitePolicy: () => role() === 'security-admin',
};

// The auditor reads the audit trail and nothing else (三权分立): its console is the audit log and its own account.
export const AUDITOR_ROUTES = ['#/audit', '#/account'];
export const auditOnly = () => role() === 'auditor';

/** Where a login lands: the page the role works on. */
export function home() {
  if (auditOnly()) return '#/audit';
  if (role() === 'system-admin') return '#/users';
  if (role() === 'security-admin') return '#/site-policy';
  return '#/overview';
}

// Whether the user approves for an approval scope ('province', 'city:gy', 'industry:...').
export function approves(key) {
  if (key === 'province') return role() === 'province-operator';
  const [kind, cloud] = key.split(':');
  return role() === `${kind}-operator` && Q.me.scope === cloud;
}

export const isAuthority = () => role() === 'data-authority';
export const isDeptAdmin = () => role() === 'department-admin';

// Whether the user may open a job set of this department on this cloud (as the API decides: jobsets.visible);
// a link the reader could not follow is not shown.
export function mayOpenJobSet(department, cloud) {
  if (role() === 'province-operator') return true;
  if (role() === 'city-operator' || role() === 'industry-operator') return !!cloud && cloud === Q.me.scope;
  if (role() === 'department-admin') return !!department && department === Q.me.scope;
  return false;
}

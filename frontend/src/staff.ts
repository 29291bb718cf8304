// Staff roles: which exist, where in the tree each may be held, and how they read.
import { ApiError } from './api/client'
import type { CountyRole, Me, NodeKind, Role, StreetRole } from './api/types'

export const STREET_ROLES: readonly StreetRole[] = [
  'street_admin',
  'dispatcher',
  'department_staff',
  'community_staff',
  'grid_worker',
  'mediator',
]

export const COUNTY_ROLES: readonly CountyRole[] = ['county_admin', 'county_viewer', 'judge']

/** Where each street role may be held (the server checks the same and answers 422 on body.node_id). */
export const ROLE_NODE_KINDS: Readonly<Record<StreetRole, readonly NodeKind[]>> = {
  street_admin: ['street'],
  dispatcher: ['street'],
  department_staff: ['street'],
  community_staff: ['community', 'zone'],
  grid_worker: ['grid'],
  mediator: ['street', 'community'],
}

export function roleAllowsKind(role: StreetRole, kind: NodeKind): boolean {
  return ROLE_NODE_KINDS[role].includes(kind)
}

/** Roles held at the street root only: the node is not chosen, it is the street. */
export function streetRootOnly(role: StreetRole): boolean {
  const kinds = ROLE_NODE_KINDS[role]
  return kinds.length === 1 && kinds[0] === 'street'
}

export function needsDepartment(role: Role): boolean {
  return role === 'department_staff'
}

/** i18n key of a role's display name (街道管理员, 网格员, …). */
export function roleLabelKey(role: Role): `roles.${Role}` {
  return `roles.${role}`
}

/** The roles of the caller, once each, in the order above; an API key has none. */
export function myRoles(me: Me | null | undefined): Role[] {
  const held = new Set((me?.memberships ?? []).map((m) => m.role))
  return [...COUNTY_ROLES, ...STREET_ROLES].filter((r) => held.has(r))
}

/** Contact shown in staff lists: the email and/or the phone number. */
export function contactOf(member: { email?: string; phone?: string }): string {
  return [member.email, member.phone].filter(Boolean).join(' / ')
}

/**
 * The detail of an invitation that failed only half-way: the server granted the
 * role but could not make a sign-in code (503, "the role was granted, …"). The
 * person is staff now and gets a code later with the row's "new sign-in code".
 * null for any other failure, e.g. a 503 before anything was granted.
 */
export function grantedWithoutCode(e: unknown): string | null {
  if (!(e instanceof ApiError) || e.status !== 503) return null
  const detail = e.problem.detail ?? ''
  return /\brole was granted\b/i.test(detail) ? detail : null
}

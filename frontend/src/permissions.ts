// What the caller may do, as the server tells it: "resource:action" lists on a
// street (GET /tenants/{t}: street-wide) and on a node (GET …/nodes/{id}: at
// that node). The UI hides what is not allowed; the server checks anyway.
import type { Me } from './api/types'

export type PermissionList = readonly string[] | null | undefined

export function can(perms: PermissionList, permission: string): boolean {
  return !!perms && perms.includes(permission)
}

/** Permissions held in at least one of the places: the street and the caller's top nodes. */
export function union(...lists: PermissionList[]): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort()
}

/**
 * Permissions at the county level. The server does not list them, so they
 * follow from the roles: a county-wide API key acts as a county administrator
 * (as the server treats it), a county viewer only reads.
 */
export function countyPermissions(me: Me | null | undefined): string[] {
  if (!me?.county_wide) return []
  const roles = new Set((me.memberships ?? []).filter((m) => !m.tenant_code).map((m) => m.role))
  if ((me.credential === 'api_key' && !me.tenant) || roles.has('county_admin')) {
    return ['tenant:read', 'tenant:write', 'staff:read', 'staff:write', 'staff:invite']
  }
  if (roles.has('county_viewer')) return ['tenant:read', 'staff:read']
  return []
}

/** The street-level tabs and what each needs somewhere in the street. */
export const TAB_PERMISSIONS = {
  hierarchy: 'node:read',
  departments: 'department:read',
  categories: 'category:read',
  staff: 'staff:read',
} as const

export type StreetTab = keyof typeof TAB_PERMISSIONS

export function visibleTabs(perms: PermissionList): StreetTab[] {
  // The tree is always there: whoever can open a street reads at least part of it.
  return (Object.keys(TAB_PERMISSIONS) as StreetTab[]).filter((tab) => tab === 'hierarchy' || can(perms, TAB_PERMISSIONS[tab]))
}

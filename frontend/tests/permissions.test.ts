import { describe, expect, it } from 'vitest'
import type { Me, StreetRole } from '../src/api/types'
import en from '../src/i18n/en'
import zhCN from '../src/i18n/zh-CN'
import { can, countyPermissions, union, visibleTabs } from '../src/permissions'
import { COUNTY_ROLES, ROLE_NODE_KINDS, STREET_ROLES, contactOf, myRoles, roleAllowsKind, streetRootOnly } from '../src/staff'
import { contactError, normalizedContact } from '../src/staffForm'

const county = { id: 1, code: '371326', name: '平邑县' }
const base: Me = { credential: 'session', name: '王强', county, county_wide: false, memberships: [], streets: [] }

describe('permissions', () => {
  it('checks a resource:action in a list the server sent', () => {
    expect(can(['node:read', 'hierarchy:import'], 'hierarchy:import')).toBe(true)
    expect(can(['node:read'], 'node:write')).toBe(false)
    expect(can(null, 'node:read')).toBe(false)
    expect(union(['node:read'], null, ['staff:read', 'node:read'])).toEqual(['node:read', 'staff:read'])
  })

  it('shows a tab only with its read permission somewhere; the tree always', () => {
    expect(visibleTabs([])).toEqual(['hierarchy'])
    // A grid worker: node and category read at the grid.
    expect(visibleTabs(['node:read', 'case:read', 'category:read'])).toEqual(['hierarchy', 'categories'])
    // A community worker also reads staff and departments.
    expect(visibleTabs(['node:read', 'department:read', 'category:read', 'staff:read'])).toEqual([
      'hierarchy',
      'departments',
      'categories',
      'staff',
    ])
  })

  it('derives county-level rights from the roles', () => {
    expect(countyPermissions({ ...base, credential: 'api_key', county_wide: true })).toContain('tenant:write')
    expect(countyPermissions({ ...base, county_wide: true, memberships: [{ id: 1, role: 'county_admin' }] })).toContain('staff:invite')
    const viewer = countyPermissions({ ...base, county_wide: true, memberships: [{ id: 2, role: 'county_viewer' }] })
    expect(viewer).toContain('staff:read')
    expect(viewer).not.toContain('tenant:write')
    expect(countyPermissions({ ...base, memberships: [{ id: 3, role: 'street_admin', tenant_code: '371326001' }] })).toEqual([])
  })
})

describe('staff roles', () => {
  it('holds each street role where the server allows it', () => {
    expect(ROLE_NODE_KINDS).toEqual({
      street_admin: ['street'],
      dispatcher: ['street'],
      department_staff: ['street'],
      community_staff: ['community', 'zone'],
      grid_worker: ['grid'],
      mediator: ['street', 'community'],
    })
    expect(roleAllowsKind('grid_worker', 'grid')).toBe(true)
    expect(roleAllowsKind('grid_worker', 'community')).toBe(false)
    expect(STREET_ROLES.filter(streetRootOnly)).toEqual(['street_admin', 'dispatcher', 'department_staff'])
  })

  it('names every role in Chinese', () => {
    const zh: Record<StreetRole | (typeof COUNTY_ROLES)[number], string> = {
      street_admin: '街道管理员',
      dispatcher: '调度员（综治中心）',
      department_staff: '部门工作人员',
      community_staff: '社区工作人员',
      grid_worker: '网格员',
      mediator: '调解员',
      county_admin: '县级管理员',
      county_viewer: '县级查看员',
      judge: '评委',
    }
    expect(zhCN.roles).toEqual(zh)
    expect(Object.keys(en.roles).sort()).toEqual(Object.keys(zh).sort())
  })

  it('lists the caller’s roles once each', () => {
    const me: Me = {
      ...base,
      memberships: [
        { id: 1, role: 'grid_worker', tenant_code: '371326106', node_id: 1 },
        { id: 2, role: 'grid_worker', tenant_code: '371326106', node_id: 2 },
        { id: 3, role: 'mediator', tenant_code: '371326106', node_id: 3 },
      ],
    }
    expect(myRoles(me)).toEqual(['grid_worker', 'mediator'])
    expect(contactOf({ email: 'a@b.org', phone: '+8613800138000' })).toBe('a@b.org / +8613800138000')
  })
})

describe('invitation contact', () => {
  const t = (k: string) => k
  it('needs an email or a phone, each well-formed', () => {
    expect(contactError({ email: '', phone: '' }, 'email', t)).toBe('staff.contactRequired')
    expect(contactError({ email: '', phone: '13800138000' }, 'email', t)).toBe('')
    expect(contactError({ email: 'nope', phone: '' }, 'email', t)).toBe('staff.emailInvalid')
    expect(contactError({ email: '', phone: '12345' }, 'phone', t)).toBe('staff.phoneInvalid')
  })

  it('sends the email lower-cased and the phone in E.164', () => {
    expect(normalizedContact({ email: ' Wang@Example.org ', phone: '138 0013 8000' })).toEqual({
      email: 'wang@example.org',
      phone: '+8613800138000',
    })
    expect(normalizedContact({ email: '', phone: '' })).toEqual({})
  })
})

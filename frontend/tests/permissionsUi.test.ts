import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../src/api'
import type { Node, NodeDetail as NodeDetailData, StaffMember, Tenant } from '../src/api/types'
import { i18n } from '../src/i18n'
import NodeDetail from '../src/views/street/NodeDetail.vue'
import StaffTab from '../src/views/street/StaffTab.vue'

const tenant: Tenant = {
  id: 3,
  code: '371326106',
  name: '地方镇',
  county_code: '371326',
  status: 'active',
  created_at: '2026-11-22T03:00:00Z',
  node_counts: { community: 5, zone: 10, grid: 30, building: 60 },
  root_id: 2023,
  reopen_window_days: 7,
  permissions: [],
}

const grid: NodeDetailData = {
  id: 2039,
  kind: 'grid',
  code: '37132610600101001',
  name: '地方村第1网格',
  parent_id: 2029,
  child_count: 2,
  archived: false,
  created_at: '2026-11-22T03:00:00Z',
  path: [
    { id: 2023, kind: 'street', code: '371326106', name: '地方镇' },
    { id: 2024, kind: 'community', code: '371326106001', name: '地方村' },
    { id: 2029, kind: 'zone', code: '37132610600101', name: '地方村第一片区' },
  ],
  descendant_counts: { community: 0, zone: 0, grid: 0, building: 2 },
  permissions: ['node:read', 'case:read', 'case:write', 'category:read'],
}

const member: StaffMember = {
  membership_id: 7,
  identity_id: '4e927d97-a5b0-4a8b-b398-beea1199061e',
  name: '测试网格员',
  email: 'probe1@example.org',
  role: 'grid_worker',
  node_id: 2039,
  node_name: '地方村第1网格',
  node_kind: 'grid',
  created_at: '2026-11-22T03:00:00Z',
}

const has = (testid: string) => document.querySelector(`[data-testid="${testid}"]`) !== null

afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

async function mountDetail(permissions: string[]) {
  vi.spyOn(api, 'getNode').mockResolvedValue({ ...grid, permissions })
  // A grid shows its QR code; the image is not what these tests are about.
  vi.spyOn(api, 'getQrCode').mockRejectedValue(new Error('not in this test'))
  mount(NodeDetail, {
    props: { tenantCode: tenant.code, nodeId: grid.id, rootIds: [grid.id] },
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  })
  await flushPromises()
}

describe('NodeDetail', () => {
  it('offers no changes without node:write, and no links above the caller’s top node', async () => {
    await mountDetail(grid.permissions!)
    expect(has('node-detail-name')).toBe(true)
    for (const id of ['node-add-child', 'node-rename', 'node-move', 'node-archive']) expect(has(id), id).toBe(false)
    expect(document.querySelectorAll('[data-testid="node-path"] a.link')).toHaveLength(0)
  })

  it('offers them with node:write', async () => {
    await mountDetail([...grid.permissions!, 'node:write'])
    for (const id of ['node-add-child', 'node-rename', 'node-move', 'node-archive']) expect(has(id), id).toBe(true)
  })
})

async function mountStaff(permissions: string[]) {
  vi.spyOn(api, 'getNode').mockResolvedValue({ ...grid, kind: 'street', id: 2023, path: [], permissions })
  const list = vi.spyOn(api, 'listStaff').mockResolvedValue([member])
  const top: Node = { ...grid, id: 2023, kind: 'street', code: tenant.code, name: tenant.name, parent_id: null }
  mount(StaffTab, { props: { tenant, topNodes: [top] }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
  await flushPromises()
  return list
}

describe('StaffTab', () => {
  it('lists the subtree’s staff with their role in Chinese, read-only with staff:read', async () => {
    const list = await mountStaff(['staff:read'])
    expect(list).toHaveBeenCalledWith('371326106', 2023)
    const row = document.querySelector('[data-testid="staff-row"]')!
    expect(row.getAttribute('data-email')).toBe('probe1@example.org')
    expect(document.querySelector('[data-testid="staff-table"]')?.textContent).toContain('网格员')
    expect(has('invite-button')).toBe(false)
    expect(has('staff-revoke')).toBe(false)
  })

  it('offers invite, role change and revocation with staff:invite and staff:write', async () => {
    await mountStaff(['staff:read', 'staff:write', 'staff:invite'])
    expect(has('invite-button')).toBe(true)
    expect(has('staff-change')).toBe(true)
    expect(has('staff-revoke')).toBe(true)
  })
})

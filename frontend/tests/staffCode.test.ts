// New sign-in codes for people who already hold a role, and invitations whose
// role was granted without a code (503).
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../src/api'
import { ApiError } from '../src/api/client'
import type { Invitation, Me, Node, NodeDetail, StaffMember, Tenant } from '../src/api/types'
import InviteResultDialog from '../src/components/InviteResultDialog.vue'
import { i18n, setLocale } from '../src/i18n'
import { session } from '../src/session'
import { grantedWithoutCode } from '../src/staff'
import CountyStaffView from '../src/views/CountyStaffView.vue'
import StaffTab from '../src/views/street/StaffTab.vue'

const county = { id: 1, code: '371326', name: '平邑县' }

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

const streetRoot: NodeDetail = {
  id: 2023,
  kind: 'street',
  code: tenant.code,
  name: tenant.name,
  parent_id: null,
  child_count: 5,
  archived: false,
  created_at: '2026-11-22T03:00:00Z',
  path: [],
  descendant_counts: { community: 5, zone: 10, grid: 30, building: 60 },
  permissions: [],
}

const gridWorker: StaffMember = {
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

const countyViewer: StaffMember = {
  membership_id: 3,
  identity_id: '0b6c2a55-4f7e-4d55-9d0e-8f1f5f4d1c11',
  name: '赵敏',
  phone: '+8613800000001',
  role: 'county_viewer',
  created_at: '2026-11-22T03:00:00Z',
}

const code = { recovery_link: 'https://fengqiao.example/identity/recover?flow=f1', recovery_code: '482913' }
const NO_CODE = 'the role was granted, but no sign-in code could be made now: request a new code for this person later'

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const dialogTitle = () => document.querySelector('[data-testid="invite-result"] .el-dialog__title')?.textContent?.trim()
const messageBox = () => document.querySelector<HTMLElement>('.el-message-box')

/** Waits for Element Plus's message box (it mounts after a tick) and presses its confirm button. */
async function confirmBox() {
  await vi.waitFor(() => expect(messageBox()).not.toBeNull())
  messageBox()!.querySelector<HTMLButtonElement>('.el-message-box__btns .el-button--primary')!.click()
  await flushPromises()
}

// happy-dom lays nothing out, so forms with label-width="auto" warn about a NaN width when they go.
const warn = console.warn.bind(console)
beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('[ElForm] unexpected width')) warn(...args)
  })
})

afterEach(() => {
  vi.restoreAllMocks()
  setLocale('zh-CN')
  session.me = null
  document.body.innerHTML = ''
})
// Registered last, so it runs first: components go before the session they read.
enableAutoUnmount(afterEach)

describe('InviteResultDialog', () => {
  const invitation: Invitation = { member: gridWorker, ...code }

  function show(purpose?: 'invitation' | 'newCode') {
    mount(InviteResultDialog, {
      props: { modelValue: true, invitation, ...(purpose ? { purpose } : {}) },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    return flushPromises()
  }

  it('reads as an invitation by default', async () => {
    await show()
    expect(dialogTitle()).toBe('邀请已创建')
    expect($('invite-result-intro')?.textContent).toContain('测试网格员')
    expect($('invite-result')?.textContent).toContain('邀请链接')
    expect($('invite-code')?.textContent).toBe('482913')
  })

  it('reads as a new sign-in link and code with purpose="newCode"', async () => {
    await show('newCode')
    expect(dialogTitle()).toBe('新的登录链接与验证码')
    const intro = $('invite-result-intro')?.textContent ?? ''
    expect(intro).toContain('测试网格员')
    expect(intro).toContain('设置新密码')
    const text = $('invite-result')?.textContent ?? ''
    expect(text).toContain('登录链接')
    expect(text).not.toContain('邀请')
    expect($('invite-link')?.textContent).toBe(code.recovery_link)
    expect($('invite-code')?.textContent).toBe('482913')
  })

  it('has the new-code wording in English too', async () => {
    setLocale('en')
    await show('newCode')
    expect(dialogTitle()).toBe('New sign-in link and code')
    expect($('invite-result')?.textContent).toContain('Sign-in link')
    expect($('invite-result')?.textContent).not.toContain('Invitation')
  })
})

describe('grantedWithoutCode', () => {
  it('recognizes the 503 of a role granted without a code', () => {
    expect(grantedWithoutCode(new ApiError(503, { title: 'Service Unavailable', status: 503, detail: NO_CODE }))).toBe(NO_CODE)
  })

  it('ignores other failures, including a 503 before anything was granted', () => {
    expect(grantedWithoutCode(new ApiError(503, { title: 'Service Unavailable', detail: 'the identity provider is unreachable' }))).toBeNull()
    expect(grantedWithoutCode(new ApiError(500, { title: 'Internal Server Error', detail: NO_CODE }))).toBeNull()
    expect(grantedWithoutCode(new Error(NO_CODE))).toBeNull()
  })
})

async function mountStaffTab(permissions: string[]) {
  vi.spyOn(api, 'getNode').mockResolvedValue({ ...streetRoot, permissions })
  const list = vi.spyOn(api, 'listStaff').mockResolvedValue([gridWorker])
  const top: Node = { ...streetRoot }
  const wrapper = mount(StaffTab, { props: { tenant, topNodes: [top] }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
  await flushPromises()
  return { list, wrapper }
}

describe('StaffTab: new sign-in code', () => {
  it('is offered where invitations are, and not with staff:read or staff:write alone', async () => {
    let { wrapper } = await mountStaffTab(['staff:read'])
    expect($('staff-new-code')).toBeNull()
    wrapper.unmount()
    ;({ wrapper } = await mountStaffTab(['staff:read', 'staff:write']))
    expect($('staff-new-code')).toBeNull()
    expect($('staff-revoke')).not.toBeNull()
    wrapper.unmount()
    await mountStaffTab(['staff:read', 'staff:invite'])
    expect($('invite-button')).not.toBeNull()
    expect($('staff-new-code')?.textContent?.trim()).toBe('重新发放验证码')
    expect($('staff-revoke')).toBeNull()
  })

  it('asks first, then shows the new link and code', async () => {
    await mountStaffTab(['staff:read', 'staff:invite', 'staff:write'])
    const issue = vi.spyOn(api, 'newStaffCode').mockResolvedValue(code)
    $('staff-new-code')!.click()
    await vi.waitFor(() => expect(messageBox()).not.toBeNull())
    expect(messageBox()!.textContent).toContain('将为测试网格员生成新的登录链接和验证码')
    expect(issue).not.toHaveBeenCalled()
    await confirmBox()
    expect(issue).toHaveBeenCalledWith('371326106', 7)
    await vi.waitFor(() => expect(dialogTitle()).toBe('新的登录链接与验证码'))
    expect($('invite-code')?.textContent).toBe('482913')
    expect($('invite-result')?.textContent).toContain('地方村第1网格')
  })
})

describe('StaffTab: invitation without a code', () => {
  it('shows the detail and refreshes the list when the role was granted without a code', async () => {
    const { list } = await mountStaffTab(['staff:read', 'staff:invite'])
    const invite = vi.spyOn(api, 'inviteStaff').mockRejectedValue(new ApiError(503, { title: 'Service Unavailable', status: 503, detail: NO_CODE }))
    $('invite-button')!.click()
    await flushPromises()
    type('invite-name', '孙丽')
    type('invite-email', 'Sun.Li@example.org')
    $('invite-role-street_admin')!.querySelector('input')!.click()
    await flushPromises()
    $('invite-submit')!.click()
    await flushPromises()
    expect(invite).toHaveBeenCalledWith('371326106', {
      name: '孙丽',
      email: 'sun.li@example.org',
      role: 'street_admin',
      node_id: 2023,
      department_id: undefined,
    })
    await vi.waitFor(() => expect($('invite-no-code')).not.toBeNull())
    expect($('invite-no-code')!.textContent).toContain('已为孙丽开通岗位')
    expect($('invite-no-code')!.textContent).toContain(NO_CODE)
    expect(list).toHaveBeenCalledTimes(2)
    // Not left in the form, where submitting again would only be refused.
    expect($('invite-dialog')?.querySelector('[data-testid="problem-alert"]') ?? null).toBeNull()
  })

  it('keeps other failures in the form', async () => {
    const { list } = await mountStaffTab(['staff:read', 'staff:invite'])
    vi.spyOn(api, 'inviteStaff').mockRejectedValue(
      new ApiError(503, { title: 'Service Unavailable', status: 503, detail: 'the identity provider is unreachable' }),
    )
    $('invite-button')!.click()
    await flushPromises()
    type('invite-name', '孙丽')
    type('invite-email', 'sun.li@example.org')
    $('invite-role-street_admin')!.querySelector('input')!.click()
    await flushPromises()
    $('invite-submit')!.click()
    await flushPromises()
    expect($('problem-alert')?.textContent).toContain('the identity provider is unreachable')
    expect($('invite-no-code')).toBeNull()
    expect(list).toHaveBeenCalledTimes(1)
  })
})

const countyAdmin: Me = {
  credential: 'session',
  name: '张敏',
  county,
  county_wide: true,
  memberships: [{ id: 1, role: 'county_admin' }],
  streets: [],
}

async function mountCounty(me: Me) {
  session.me = me
  const list = vi.spyOn(api, 'listCountyStaff').mockResolvedValue([countyViewer])
  const wrapper = mount(CountyStaffView, { global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
  await flushPromises()
  return { list, wrapper }
}

function type(testid: string, value: string) {
  const el = $(testid)!
  const input = (el instanceof HTMLInputElement ? el : el.querySelector('input'))!
  input.value = value
  input.dispatchEvent(new Event('input'))
}

describe('CountyStaffView', () => {
  it('offers a new sign-in code to a county administrator only', async () => {
    const { wrapper } = await mountCounty({ ...countyAdmin, memberships: [{ id: 1, role: 'county_viewer' }] })
    expect($('staff-new-code')).toBeNull()
    wrapper.unmount()
    await mountCounty(countyAdmin)
    expect($('staff-new-code')).not.toBeNull()
  })

  it('issues the code for the county membership', async () => {
    await mountCounty(countyAdmin)
    const issue = vi.spyOn(api, 'newCountyStaffCode').mockResolvedValue(code)
    $('staff-new-code')!.click()
    await confirmBox()
    expect(issue).toHaveBeenCalledWith('371326', 3)
    await vi.waitFor(() => expect(dialogTitle()).toBe('新的登录链接与验证码'))
    expect($('invite-code')?.textContent).toBe('482913')
  })

  it('shows the detail and refreshes the list when the role was granted without a code', async () => {
    const { list } = await mountCounty(countyAdmin)
    const invite = vi
      .spyOn(api, 'inviteCountyStaff')
      .mockRejectedValue(new ApiError(503, { title: 'Service Unavailable', status: 503, detail: NO_CODE }))
    $('invite-button')!.click()
    await flushPromises()
    type('invite-name', '钱伟')
    type('invite-phone', '13800000002')
    $('invite-role-judge')!.querySelector('input')!.click()
    await flushPromises()
    $('invite-submit')!.click()
    await flushPromises()
    expect(invite).toHaveBeenCalledWith('371326', { name: '钱伟', phone: '+8613800000002', role: 'judge' })
    await vi.waitFor(() => expect($('invite-no-code')).not.toBeNull())
    expect($('invite-no-code')!.textContent).toContain('已为钱伟开通岗位')
    expect($('invite-no-code')!.textContent).toContain(NO_CODE)
    expect(list).toHaveBeenCalledTimes(2)
    expect(document.querySelector('[data-testid="invite-result"]')).toBeNull()
  })
})

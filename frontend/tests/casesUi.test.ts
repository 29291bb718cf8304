// The case pages with the API mocked: which buttons and tabs each role gets,
// what the dialogs ask for and send, and how refusals read.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '../src/api'
import { ApiError } from '../src/api/client'
import type { Case, CaseDetail, Department, Me, Node, NodeDetail, Tenant } from '../src/api/types'
import { i18n } from '../src/i18n'
import { createAppRouter } from '../src/router'
import { session } from '../src/session'
import CaseDetailView from '../src/views/CaseDetailView.vue'
import CasesView from '../src/views/CasesView.vue'
import CaseStepDialog from '../src/views/cases/CaseStepDialog.vue'
import DispatchDialog from '../src/views/cases/DispatchDialog.vue'
import PhotoUploader from '../src/views/cases/PhotoUploader.vue'
import SummonDialog from '../src/views/cases/SummonDialog.vue'

const county = { id: 1, code: '371326', name: '平邑县' }
const CODE = '371326001'

const me = (memberships: Me['memberships']): Me => ({ credential: 'session', name: '测试', county, county_wide: false, memberships, streets: [CODE] })
const dispatcher = me([{ id: 2, role: 'dispatcher', tenant_code: CODE, node_id: 1 }])
const mediator = me([{ id: 6, role: 'mediator', tenant_code: CODE, node_id: 1 }])

const CENTRE = ['tenant:read', 'node:read', 'department:read', 'category:read', 'staff:read', 'case:read', 'case:write', 'case:dispatch', 'case:confirm', 'case:summon']
const READER = ['tenant:read', 'node:read', 'category:read', 'case:read']

const tenant = (permissions: string[]): Tenant => ({
  id: 1,
  code: CODE,
  name: '平邑街道',
  county_code: '371326',
  status: 'active',
  created_at: '2026-11-22T03:00:00Z',
  node_counts: { community: 12, zone: 48, grid: 240, building: 1440 },
  root_id: 1,
  reopen_window_days: 7,
  permissions,
})

const root: Node = { id: 1, kind: 'street', code: CODE, name: '平邑街道', parent_id: null, child_count: 12, archived: false, created_at: '2026-11-22T03:00:00Z' }

const grid = (permissions: string[]): NodeDetail => ({
  id: 62,
  kind: 'grid',
  code: '37132600100101001',
  name: '东关社区第1网格',
  parent_id: 12,
  child_count: 6,
  archived: false,
  created_at: '2026-11-22T03:00:00Z',
  path: [
    { id: 1, kind: 'street', code: CODE, name: '平邑街道' },
    { id: 2, kind: 'community', code: '371326001001', name: '东关社区' },
  ],
  descendant_counts: { community: 0, zone: 0, grid: 0, building: 6 },
  permissions,
})

const departments: Department[] = [
  { id: 1, name: '综治中心', kind: 'center', sort: 1, archived: false },
  { id: 2, name: '派出所', kind: 'police', sort: 2, archived: false },
  { id: 3, name: '司法所', kind: 'justice', sort: 3, archived: false },
]

const reported: Case = {
  id: 42,
  tracking_code: '45PJ-6NPE-3WQ',
  channel: 'grid_report',
  category_id: 2,
  grade: 'major',
  title: '楼道堆放杂物',
  description: '3号楼楼道堆放纸箱',
  status: 'reported',
  allowed_actions: ['dispatch', 'self_resolve', 'merge', 'cancel'],
  node_id: 62,
  address: '3号楼2单元',
  reporter_name: '王秀兰',
  reporter_phone: '13812345678',
  escalation_level: 0,
  reported_at: '2026-11-22T05:47:00Z',
  category_name: '邻里纠纷',
  place_name: '东关社区 第1网格',
}

const detail = (c: Partial<CaseDetail> = {}): CaseDetail => ({
  ...reported,
  allowed_actions: reported.allowed_actions ?? [],
  my_actions: [],
  timeline: [{ at: '2026-11-22T05:47:00Z', actor: '周强', actor_role: 'grid_worker', action: 'report', to_status: 'reported', note: 'grid_report' }],
  summons: [],
  attachments: [],
  ...c,
})

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)]

function testRouter() {
  const blank = defineComponent({ render: () => null })
  const routes = ['street', 'cases', 'case-new', 'case-ledger', 'case'].map((name, i) => ({ path: `/r${i}/:code/:id?`, name, component: blank }))
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: blank }, ...routes] })
}

/** The street as the given role sees it, with the usual catalogues. */
function mockStreet(streetPermissions: string[], placePermissions: string[]) {
  vi.spyOn(api, 'getTenant').mockResolvedValue(tenant(streetPermissions))
  vi.spyOn(api, 'rootNodes').mockResolvedValue([root])
  vi.spyOn(api, 'getNode').mockResolvedValue(grid(placePermissions))
  vi.spyOn(api, 'listCategories').mockResolvedValue([
    { id: 2, code: 'neighbourhood', name: '邻里纠纷', group: 'domain', resident_facing: false, sort: 2, archived: false },
  ])
  vi.spyOn(api, 'listDepartments').mockResolvedValue(departments)
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
  vi.useRealTimers()
  session.me = null
  document.body.innerHTML = ''
})
// Registered last, so it runs first: components go before the mocks and the session they read.
enableAutoUnmount(afterEach)

describe('the case page', () => {
  async function mountDetail(who: Me, streetPermissions: string[], c: CaseDetail) {
    session.me = who
    mockStreet(streetPermissions, streetPermissions)
    vi.spyOn(api, 'getCase').mockResolvedValue(c)
    const router = testRouter()
    await router.push('/')
    mount(CaseDetailView, { props: { code: CODE, id: c.id }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    await flushPromises()
  }

  it('offers the centre the steps of a reported case its role allows, and shows the phone whole', async () => {
    // The server's my_actions decides: the page shows them in loop order, 吹哨 after the steps.
    await mountDetail(dispatcher, CENTRE, detail({ my_actions: ['summon', 'cancel', 'merge', 'self_resolve', 'dispatch'] }))
    const buttons = $$('case-actions').flatMap((el) => [...el.querySelectorAll('[data-testid^="case-action-"]')].map((b) => b.getAttribute('data-testid')))
    expect(buttons).toEqual(['case-action-dispatch', 'case-action-self_resolve', 'case-action-merge', 'case-action-cancel', 'case-action-summon'])
    expect($('case-phone')?.textContent?.trim()).toBe('13812345678')
    expect($('case-phone-masked')).toBeNull()
    expect($('case-place')?.textContent).toBe('东关社区 第1网格')
    expect($('case-category')?.textContent).toBe('邻里纠纷')
  })

  it('gives a mediator, who only reads, no buttons and the phone masked', async () => {
    await mountDetail(mediator, READER, detail({ reporter_phone: '138****5678' }))
    expect(document.querySelectorAll('[data-testid^="case-action-"]')).toHaveLength(0)
    expect($('case-phone')?.getAttribute('data-masked')).toBe('true')
    expect($('case-phone-masked')?.textContent?.trim()).toBe('已脱敏')
    expect($('photo-uploader')).toBeNull()
  })

  it('tells the timeline in words: the step, who in which role, the status moved to, the channel', async () => {
    await mountDetail(
      dispatcher,
      CENTRE,
      detail({
        status: 'dispatched',
        department_id: 2,
        leader_name: '王主任',
        timeline: [
          ...detail().timeline,
          { at: '2026-11-22T06:00:00Z', actor: '陈静', actor_role: 'dispatcher', action: 'dispatch', from_status: 'reported', to_status: 'dispatched' },
          { at: '2026-11-22T07:00:00Z', actor: 'system', actor_role: 'system', action: 'supervise', from_status: 'dispatched', to_status: 'dispatched', note: '受理超时，升级至综治中心督办' },
        ],
      }),
    )
    const entries = $$('timeline-entry').map((e) =>
      ['action', 'actor', 'role', 'move', 'note'].map((part) => e.querySelector(`.timeline-entry__${part}`)?.textContent?.trim() ?? ''),
    )
    expect(entries).toEqual([
      ['上报', '周强', '网格员', '→ 待分拨', '网格上报'],
      ['分拨', '陈静', '调度员（综治中心）', '待分拨 → 已分拨', ''],
      ['督办', '系统', '', '', '受理超时，升级至综治中心督办'],
    ])
    expect($('case-department')?.textContent).toBe('派出所')
    expect($('case-leader')?.textContent).toBe('王主任')
  })
})

describe('a lifecycle step', () => {
  function mountStep(action: 'resolve' | 'accept') {
    const w = mount(CaseStepDialog, {
      props: { tenantCode: CODE, caseData: { ...reported, status: 'accepted' }, action, modelValue: false },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    return w
  }

  it('asks for the result before resolving, and sends it', async () => {
    const step = vi.spyOn(api, 'caseStep').mockResolvedValue({ ...reported, status: 'resolved' })
    const w = mountStep('resolve')
    await w.setProps({ modelValue: true })
    await flushPromises()
    // (Element Plus's validation does not run under happy-dom: the browser test checks that an empty result is refused.)
    expect(document.querySelector('.el-form-item.is-required label')?.textContent).toBe('办理结果')
    expect(document.querySelector('textarea[data-testid="case-step-note"]')?.getAttribute('placeholder')).toBe('办理经过和结果')

    const note = document.querySelector<HTMLTextAreaElement>('textarea[data-testid="case-step-note"]')!
    note.value = '  已清理楼道  '
    note.dispatchEvent(new Event('input'))
    $('case-step-submit')!.click()
    await flushPromises()
    expect(step).toHaveBeenCalledWith(CODE, 42, 'resolve', { note: '已清理楼道', merge_into: undefined })
    expect(w.emitted('done')?.[0]).toEqual([{ ...reported, status: 'resolved' }])
  })

  it('accepts without a note, and says plainly when the case has moved on (409)', async () => {
    const detail409 = 'a accepted case cannot be accepted; allowed now: return, resolve, merge, cancel'
    const step = vi.spyOn(api, 'caseStep').mockRejectedValue(new ApiError(409, { title: 'Conflict', status: 409, detail: detail409 }))
    const w = mountStep('accept')
    await w.setProps({ modelValue: true })
    await flushPromises()
    $('case-step-submit')!.click()
    await flushPromises()
    expect(step).toHaveBeenCalledWith(CODE, 42, 'accept', { note: undefined, merge_into: undefined })
    const alert = $('problem-alert')!
    expect(alert.querySelector('.el-alert__title')?.textContent).toBe('案件状态已变化，当前只能：退回、办结、合并、撤销')
    expect(alert.textContent).toContain(detail409)
    expect(w.emitted('conflict')).toHaveLength(1)
    expect(w.emitted('done')).toBeUndefined()
  })
})

describe('the dispatch dialog', () => {
  it('prefills the rule’s department and leader and the policy’s deadlines, and sends them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-22T06:00:00Z'))
    vi.spyOn(api, 'suggestDispatch').mockResolvedValue({ found: true, department_id: 2, rule_id: 8 })
    vi.spyOn(api, 'getDeadlines').mockResolvedValue({ accept_hours: 6, complete_hours: 48, policy_id: 3, remind_at_percent: [50, 80] })
    vi.spyOn(api, 'listDispatchRules').mockResolvedValue([{ id: 8, category_id: 2, department_id: 2, priority: 100, leader_name: '王主任' }])
    const step = vi.spyOn(api, 'caseStep').mockResolvedValue({ ...reported, status: 'dispatched' })
    const w = mount(DispatchDialog, {
      props: { tenantCode: CODE, caseData: reported, departments, categoryName: '邻里纠纷', modelValue: false },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    await w.setProps({ modelValue: true })
    await flushPromises()

    const suggestion = $('dispatch-suggestion')!
    expect(suggestion.getAttribute('data-found')).toBe('true')
    expect(suggestion.textContent).toContain('按规则建议')
    expect(suggestion.textContent).toContain('已按分拨规则预选“派出所”')
    expect($('dispatch-suggested-tag')).not.toBeNull()
    expect(document.querySelector<HTMLInputElement>('input[data-testid="dispatch-leader"]')!.value).toBe('王主任')
    expect($('dispatch-policy')?.textContent).toBe('邻里纠纷 · 较大：受理 6 小时，办结 2 天（按本街道时限规定预填）')

    $('dispatch-submit')!.click()
    await flushPromises()
    expect(step).toHaveBeenCalledWith(CODE, 42, 'dispatch', {
      department_id: 2,
      leader_name: '王主任',
      accept_due: '2026-11-22T12:00:00.000Z',
      complete_due: '2026-11-24T06:00:00.000Z',
      note: undefined,
    })
  })

  it('says when no rule matches and leaves the department to the dispatcher, with the default deadlines', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-22T06:00:00Z'))
    vi.spyOn(api, 'suggestDispatch').mockResolvedValue({ found: false })
    vi.spyOn(api, 'getDeadlines').mockResolvedValue({ accept_hours: 12, complete_hours: 72, remind_at_percent: [50, 80] })
    vi.spyOn(api, 'listDispatchRules').mockResolvedValue([])
    const w = mount(DispatchDialog, {
      props: { tenantCode: CODE, caseData: reported, departments, categoryName: '邻里纠纷', modelValue: false },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    await w.setProps({ modelValue: true })
    await flushPromises()
    expect($('dispatch-suggestion')?.textContent).toContain('无匹配规则，人工分拨')
    expect($('dispatch-suggested-tag')).toBeNull()
    expect($('dispatch-policy')?.textContent).toBe('邻里纠纷 · 较大：受理 12 小时，办结 3 天（按默认时限预填）')
    expect(document.querySelector<HTMLInputElement>('input[data-testid="dispatch-leader"]')!.value).toBe('')
    const selected = document.querySelector('[data-testid="dispatch-department"] .el-select__placeholder')
    expect(selected?.textContent?.trim()).toBe('选择承办部门')
    const dues = [...document.querySelectorAll<HTMLInputElement>('[data-testid$="-due"] input')].map((i) => i.value)
    // 12 and 72 hours from now, in the browser's time zone.
    const local = (iso: string) => {
      const d = new Date(iso)
      const p = (n: number) => String(n).padStart(2, '0')
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
    }
    expect(dues).toEqual([local('2026-11-22T18:00:00Z'), local('2026-11-25T06:00:00Z')])
  })
})

describe('the inbox', () => {
  it('shows the centre’s tabs with their counts, lists the first page of the manual queue, and loads more', async () => {
    session.me = dispatcher
    mockStreet(CENTRE, CENTRE)
    vi.spyOn(api, 'caseInbox').mockResolvedValue({ by_status: { reported: 14, resolved: 20, closed: 5 }, overdue: 3 })
    const second: Case = { ...reported, id: 41, tracking_code: '7K3M-9QXD-2HB', title: '邻居装修噪音扰民' }
    const list = vi
      .spyOn(api, 'listCases')
      .mockResolvedValueOnce({ items: [reported], next_cursor: 'c2' })
      .mockResolvedValueOnce({ items: [second] })
    const router = testRouter()
    await router.push('/')
    mount(CasesView, { props: { code: CODE }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    await flushPromises()

    const tabs = $$('cases-tab').map((e) => [e.getAttribute('data-tab'), e.textContent?.replace(/\s+/g, '')])
    expect(tabs).toEqual([
      ['reported', '待分拨14'],
      ['resolved', '已办结待确认20'],
      ['overdue', '超期3'],
      ['all', '全部39'],
    ])
    expect(list).toHaveBeenCalledTimes(1)
    expect(list.mock.calls[0][0]).toBe(CODE)
    expect(list.mock.calls[0][1]).toMatchObject({ status: 'reported' })
    expect(list.mock.calls[0][2]).toBeUndefined()
    expect($$('case-row').map((r) => r.getAttribute('data-code'))).toEqual(['45PJ-6NPE-3WQ'])
    expect($('cases-report')).not.toBeNull()

    $('cases-load-more')!.click()
    await flushPromises()
    expect(list.mock.calls[1][2]).toBe('c2')
    expect($$('case-row').map((r) => r.getAttribute('data-code'))).toEqual(['45PJ-6NPE-3WQ', '7K3M-9QXD-2HB'])
    expect($('cases-load-more')).toBeNull()
  })
})

describe('photos', () => {
  const pick = (files: File[]) => {
    const input = document.querySelector<HTMLInputElement>('input[data-testid="photo-input"]')!
    Object.defineProperty(input, 'files', { value: files, configurable: true })
    input.dispatchEvent(new Event('change'))
  }

  it('uploads a photo at once to an existing case, and retries one that failed', async () => {
    URL.createObjectURL = vi.fn(() => 'blob:preview')
    URL.revokeObjectURL = vi.fn()
    const attachment = { id: 9, filename: 'a.png', content_type: 'image/png' as const, size: 4, uploaded_by: '周强', created_at: '2026-11-22T06:00:00Z', url: '/x' }
    const upload = vi
      .spyOn(api, 'uploadAttachment')
      .mockRejectedValueOnce(new ApiError(0, { title: 'Network error', detail: 'the upload did not reach the server' }))
      .mockResolvedValueOnce(attachment)
    const w = mount(PhotoUploader, { props: { tenantCode: CODE, caseId: 42 }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
    pick([new File(['png!'], 'a.png', { type: 'image/png' })])
    await flushPromises()
    expect(upload).toHaveBeenCalledTimes(1)
    expect(upload.mock.calls[0].slice(0, 2)).toEqual([CODE, 42])
    expect($('photo-item')?.getAttribute('data-status')).toBe('failed')
    expect(document.body.textContent).toContain('the upload did not reach the server')

    $('photo-retry')!.click()
    await flushPromises()
    expect(upload).toHaveBeenCalledTimes(2)
    expect($('photo-item')?.getAttribute('data-status')).toBe('done')
    expect(w.emitted('uploaded')?.[0]).toEqual([attachment])
  })

  it('refuses a GIF before trying, and keeps photos of a report until the case exists', async () => {
    URL.createObjectURL = vi.fn(() => 'blob:preview')
    URL.revokeObjectURL = vi.fn()
    const upload = vi.spyOn(api, 'uploadAttachment').mockResolvedValue({
      id: 9, filename: 'b.jpg', content_type: 'image/jpeg', size: 4, uploaded_by: '周强', created_at: '2026-11-22T06:00:00Z', url: '/x',
    })
    const w = mount(PhotoUploader, { props: { tenantCode: CODE }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
    pick([new File(['gif'], 'a.gif', { type: 'image/gif' }), new File(['jpg'], 'b.jpg', { type: 'image/jpeg' })])
    await flushPromises()
    expect($('photo-warning')?.textContent).toBe('“a.gif”不是 JPG、PNG 或 WebP 图片')
    expect($$('photo-item').map((e) => e.getAttribute('data-status'))).toEqual(['waiting'])
    expect(upload).not.toHaveBeenCalled()

    await (w.vm as unknown as { start: (id: number) => Promise<void> }).start(43)
    await flushPromises()
    expect(upload.mock.calls[0].slice(0, 2)).toEqual([CODE, 43])
    expect($$('photo-item').map((e) => e.getAttribute('data-status'))).toEqual(['done'])
  })
})

describe('the case routes', () => {
  const gridWorker: Me = me([{ id: 5, role: 'grid_worker', tenant_code: CODE, node_id: 62 }])

  it('keep people out of streets they do not work in', async () => {
    vi.spyOn(api, 'me').mockResolvedValue(gridWorker)
    const r = createAppRouter(createMemoryHistory())
    await r.push('/streets/371326101/cases/7')
    expect(r.currentRoute.value.fullPath).toBe(`/streets/${CODE}`)
    await r.push(`/streets/${CODE}/cases/7`)
    expect(r.currentRoute.value.name).toBe('case')
    expect(r.currentRoute.value.params).toEqual({ code: CODE, id: '7' })
    await r.push(`/streets/${CODE}/cases/new`)
    expect(r.currentRoute.value.name).toBe('case-new')
    await r.push(`/streets/${CODE}/cases/ledger`)
    expect(r.currentRoute.value.name).toBe('case-ledger')
  })
})

describe('吹哨报到 on the case page', () => {
  const police = me([{ id: 5, role: 'department_staff', tenant_code: CODE, department_id: 2 }])
  const community = me([{ id: 7, role: 'community_staff', tenant_code: CODE, node_id: 2 }])
  const COMMUNITY = ['node:read', 'category:read', 'case:read', 'case:write', 'case:summon']

  async function mountAs(who: Me, streetPermissions: string[], placePermissions: string[], c: CaseDetail) {
    session.me = who
    mockStreet(streetPermissions, placePermissions)
    vi.spyOn(api, 'getCase').mockResolvedValue(c)
    const router = testRouter()
    await router.push('/')
    mount(CaseDetailView, { props: { code: CODE, id: c.id }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    await flushPromises()
  }

  const actionIds = () => [...document.querySelectorAll('[data-testid="case-actions"] [data-testid^="case-action-"]')].map((b) => b.getAttribute('data-testid'))

  it('lets a summoned department (my_actions: check_in), not the case’s own, check in but not handle, and shows each summons’ state', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString()
    const c = detail({
      status: 'dispatched',
      department_id: 3,
      allowed_actions: ['accept', 'return', 'merge', 'cancel'],
      my_actions: ['check_in'],
      summons: [
        { id: 1, department_id: 2, department_name: '派出所', summoned_by: '刘主任', summoned_by_role: 'community_staff', note: '到场调处', due_at: later, created_at: '2026-11-22T06:00:00Z', late: false },
        { id: 2, department_id: 3, department_name: '司法所', summoned_by: '刘主任', due_at: '2026-11-22T08:00:00Z', created_at: '2026-11-22T06:00:00Z', late: true, checked_in_at: '2026-11-22T09:00:00Z', checked_in_by: '赵六' },
      ],
    })
    await mountAs(police, ['department:read'], [], c)
    expect(actionIds()).toEqual(['case-action-check_in'])
    expect($('summons-guest')).not.toBeNull()
    const rows = $$('summons-item').map((r) => [
      r.querySelector('[data-testid="summons-department"]')?.textContent,
      r.querySelector('[data-testid="summons-state"]')?.textContent?.trim(),
    ])
    expect(rows).toEqual([
      ['派出所', '未报到'],
      ['司法所', '超时报到'],
    ])
    expect($('summons-check-in-3')).toBeNull()

    const checkIn = vi.spyOn(api, 'checkInSummons').mockResolvedValue({ ...c.summons[0], checked_in_at: new Date().toISOString(), checked_in_by: '测试' })
    $('summons-check-in-2')!.click()
    await flushPromises()
    const note = document.querySelector<HTMLTextAreaElement>('[data-testid="check-in-note"] textarea, textarea[data-testid="check-in-note"]')!
    note.value = '已到场'
    note.dispatchEvent(new Event('input'))
    $('check-in-submit')!.click()
    await flushPromises()
    expect(checkIn).toHaveBeenCalledWith(CODE, 42, 2, '已到场')
    expect(api.getCase).toHaveBeenCalledTimes(2)
  })

  it('offers 吹哨 where the server lists summon, and nothing where it lists nothing', async () => {
    await mountAs(community, ['node:read'], COMMUNITY, detail({ status: 'dispatched', department_id: 2, allowed_actions: ['accept', 'return'], my_actions: ['summon'] }))
    expect(actionIds()).toEqual(['case-action-summon'])
    document.body.innerHTML = ''
    vi.restoreAllMocks()
    await mountAs(community, ['node:read'], COMMUNITY, detail({ status: 'resolved', department_id: 2, allowed_actions: ['confirm'] }))
    expect(actionIds()).toEqual([])
  })
})

describe('merging by tracking code', () => {
  it('looks the code up, offers the case found and merges into it; says when there is none', async () => {
    vi.spyOn(api, 'caseDuplicates').mockResolvedValue([])
    const other: Case = { ...reported, id: 41, tracking_code: '7K3M-9QXD-2HB', title: '楼道堆物（重复）' }
    const list = vi
      .spyOn(api, 'listCases')
      .mockResolvedValueOnce({ items: [] })
      .mockResolvedValueOnce({ items: [other] })
    const step = vi.spyOn(api, 'caseStep').mockResolvedValue({ ...reported, status: 'merged', merged_into: 41 })
    const w = mount(CaseStepDialog, {
      props: { tenantCode: CODE, caseData: reported, action: 'merge', modelValue: false },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    await w.setProps({ modelValue: true })
    await flushPromises()
    const input = document.querySelector<HTMLInputElement>('[data-testid="merge-code"] input, input[data-testid="merge-code"]')!
    const type = async (v: string) => {
      input.value = v
      input.dispatchEvent(new Event('input'))
      await flushPromises()
    }
    await type('zzzz-zzzz-zzz')
    $('merge-lookup')!.click()
    await flushPromises()
    expect(list).toHaveBeenLastCalledWith(CODE, { tracking_code: 'ZZZZ-ZZZZ-ZZZ' }, undefined, 1)
    expect($('merge-lookup-error')?.textContent).toBe('没有查询码为 ZZZZ-ZZZZ-ZZZ 的案件')

    await type(' 7k3m-9qxd-2hb ')
    $('merge-lookup')!.click()
    await flushPromises()
    expect($$('merge-candidate').map((e) => e.getAttribute('data-id'))).toEqual(['41'])
    expect($('merge-lookup-error')).toBeNull()
    $('case-step-submit')!.click()
    await flushPromises()
    expect(step).toHaveBeenCalledWith(CODE, 42, 'merge', { note: undefined, merge_into: 41 })
  })
})

describe('the summon dialog', () => {
  it('asks for departments, then sends them with the hours and the note', async () => {
    const summon = vi.spyOn(api, 'summonDepartments').mockResolvedValue({})
    const c = detail({
      status: 'dispatched',
      summons: [{ id: 1, department_id: 2, department_name: '派出所', summoned_by: '刘主任', due_at: '2026-11-22T08:00:00Z', created_at: '2026-11-22T06:00:00Z', late: false }],
    })
    const w = mount(SummonDialog, {
      props: { tenantCode: CODE, caseData: c, departments, modelValue: false },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    await w.setProps({ modelValue: true })
    await flushPromises()
    expect(document.querySelector<HTMLInputElement>('[data-testid="summon-hours"] input')?.value).toBe('2')
    $('summon-submit')!.click()
    await flushPromises()
    expect(summon).not.toHaveBeenCalled()
    expect(w.findAllComponents({ name: 'ElFormItem' })[0].props('error')).toBe('请选择要吹哨的部门')

    // 派出所 still owes a check-in: it cannot be summoned again.
    const select = w.findComponent({ name: 'ElSelect' })
    select.vm.$emit('update:modelValue', [1, 3])
    w.findComponent({ name: 'ElInputNumber' }).vm.$emit('update:modelValue', 4)
    const note = document.querySelector<HTMLTextAreaElement>('[data-testid="summon-note"] textarea, textarea[data-testid="summon-note"]')!
    note.value = '  联合调处  '
    note.dispatchEvent(new Event('input'))
    await flushPromises()
    $('summon-submit')!.click()
    await flushPromises()
    expect(summon).toHaveBeenCalledWith(CODE, 42, { department_ids: [1, 3], within_hours: 4, note: '联合调处' })
    expect(w.emitted('done')?.[0]).toEqual([2])
    const options = w.findAllComponents({ name: 'ElOption' })
    expect(options.filter((o) => o.props('disabled')).map((o) => o.props('label'))).toEqual(['派出所'])
  })
})

// The export centre's logic and pages with the API mocked: which filters an
// export carries, polling that stops once nothing is being built, the bars,
// and the case list's "Export XLSX" button.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '../src/api'
import { exportsApi, type Export } from '../src/api/exports'
import type { Me, Node, Tenant } from '../src/api/types'
import { barPercent, createPoller, exportFilters, needsPolling, progressStatus } from '../src/exports'
import { i18n } from '../src/i18n'
import { session } from '../src/session'
import CasesView from '../src/views/CasesView.vue'
import ExportsView from '../src/views/ExportsView.vue'

const CODE = '371326001'
const county = { id: 1, code: '371326', name: '平邑县' }

const exp = (e: Partial<Export> = {}): Export => ({
  id: 7,
  kind: 'case_ledger',
  title: '案件台账',
  scope: 'street',
  code: CODE,
  name: '平邑街道',
  filters: {},
  status: 'queued',
  percent: 0,
  row_count: 0,
  filename: '案件台账-平邑街道-20261201-1200.xlsx',
  created_at: '2026-12-01T04:00:00Z',
  url: `/api/v1/tenants/${CODE}/exports/7`,
  ...e,
})

/** A timer the test fires by hand. */
function manualTimers() {
  const pending: (() => void)[] = []
  return {
    pending,
    setTimer: (fn: () => void) => pending.push(fn),
    clearTimer: () => pending.splice(0),
    async fire() {
      const fn = pending.shift()
      fn?.()
      await flushPromises()
    },
  }
}

describe('export filters', () => {
  it('carry exactly what the list filters by, and nothing unset', () => {
    expect(
      exportFilters({ status: 'closed', grade: undefined, channel: 'qr', overdue: false, node_id: 62, from: '2026-11-01T00:00:00Z', sort: 'oldest' }),
    ).toEqual({ status: 'closed', channel: 'qr', node_id: 62, from: '2026-11-01T00:00:00Z', sort: 'oldest' })
    expect(exportFilters({ overdue: true, department_id: 2 })).toEqual({ overdue: true, department_id: 2 })
    expect(exportFilters({})).toEqual({})
  })
})

describe('the poller', () => {
  it('asks again while an export runs and stops once all are done', async () => {
    const timers = manualTimers()
    const load = vi
      .fn<() => Promise<Export[]>>()
      .mockResolvedValueOnce([exp({ status: 'queued' })])
      .mockResolvedValueOnce([exp({ status: 'running', percent: 40 })])
      .mockResolvedValueOnce([exp({ status: 'done', percent: 100 })])
    const seen: number[] = []
    const poller = createPoller(load, (items) => seen.push(items[0].percent), { setTimer: timers.setTimer, clearTimer: timers.clearTimer })
    await poller.start()
    expect(poller.polling).toBe(true)
    expect(timers.pending).toHaveLength(1)
    await timers.fire()
    expect(timers.pending).toHaveLength(1)
    await timers.fire()
    expect(seen).toEqual([0, 40, 100])
    expect(load).toHaveBeenCalledTimes(3)
    expect(timers.pending).toHaveLength(0)
    expect(poller.polling).toBe(false)
  })

  it('keeps asking through a failed request, and stop() ends it', async () => {
    const timers = manualTimers()
    const errors: unknown[] = []
    const load = vi.fn<() => Promise<Export[]>>().mockRejectedValueOnce(new Error('offline')).mockResolvedValue([exp({ status: 'running' })])
    const poller = createPoller(load, () => {}, { setTimer: timers.setTimer, clearTimer: timers.clearTimer, onError: (e) => errors.push(e) })
    await poller.start()
    expect(errors).toHaveLength(1)
    expect(timers.pending).toHaveLength(1)
    await timers.fire()
    expect(timers.pending).toHaveLength(1)
    poller.stop()
    expect(timers.pending).toHaveLength(0)
    expect(poller.polling).toBe(false)
  })

  it('does not poll a list with nothing being built', async () => {
    const timers = manualTimers()
    const poller = createPoller(async () => [exp({ status: 'done' }), exp({ status: 'expired' }), exp({ status: 'failed' })], () => {}, timers)
    await poller.start()
    expect(timers.pending).toHaveLength(0)
    expect(needsPolling([exp({ status: 'running' })])).toBe(true)
  })

  it('draws a done bar full and green, a failed one red, an expired one amber', () => {
    expect([barPercent(exp({ status: 'done', percent: 99 })), progressStatus(exp({ status: 'done' }))]).toEqual([100, 'success'])
    expect(progressStatus(exp({ status: 'failed' }))).toBe('exception')
    expect(progressStatus(exp({ status: 'expired' }))).toBe('warning')
    expect(progressStatus(exp({ status: 'running' }))).toBeUndefined()
    expect(barPercent(exp({ status: 'running', percent: 42 }))).toBe(42)
  })
})

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)]

function testRouter() {
  const blank = defineComponent({ render: () => null })
  const routes = ['street', 'cases', 'case-new', 'case-ledger', 'case', 'exports'].map((name, i) => ({ path: `/r${i}/:code?/:id?`, name, component: blank }))
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: blank }, ...routes] })
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
  session.me = null
  document.body.innerHTML = ''
})
enableAutoUnmount(afterEach)

describe('the export centre', () => {
  it('shows the bars, asks again while running, then offers the download', async () => {
    vi.useFakeTimers()
    session.me = { credential: 'api_key', name: 'key', county, county_wide: false, memberships: [], streets: [CODE] } as Me
    const mine = vi
      .spyOn(exportsApi, 'myExports')
      .mockResolvedValueOnce([exp({ status: 'running', percent: 30, total_rows: 10, row_count: 3 })])
      .mockResolvedValueOnce([exp({ status: 'done', percent: 100, row_count: 10, file_size: 2048, download_url: '/x/download', expires_at: '2026-12-02T04:00:00Z' })])
    mount(ExportsView, { global: { plugins: [ElementPlus, i18n, testRouter()] }, attachTo: document.body })
    await flushPromises()
    expect($('export-progress')?.getAttribute('data-percent')).toBe('30')
    expect($('export-download')).toBeNull()
    await vi.advanceTimersByTimeAsync(1000)
    await flushPromises()
    expect(mine).toHaveBeenCalledTimes(2)
    expect($('export-progress')?.getAttribute('data-percent')).toBe('100')
    expect($$('export-download')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(mine).toHaveBeenCalledTimes(2) // nothing is being built: no more requests
  })

  it('says why an export failed, even one that had counted its rows', async () => {
    session.me = { credential: 'api_key', name: 'key', county, county_wide: false, memberships: [], streets: [CODE] } as Me
    vi.spyOn(exportsApi, 'myExports').mockResolvedValue([
      exp({ status: 'failed', total_rows: 3, row_count: 0, error: 'compute indicators: canceling statement due to statement timeout' }),
    ])
    mount(ExportsView, { global: { plugins: [ElementPlus, i18n, testRouter()] }, attachTo: document.body })
    await flushPromises()
    expect($('export-rows')?.textContent).toContain('statement timeout')
    expect($('export-status')?.textContent).toBe('失败')
  })
})

describe('the case list', () => {
  it('exports with the current tab and filters, then goes to the export centre', async () => {
    session.me = { credential: 'session', name: '测试', county, county_wide: false, streets: [CODE],
      memberships: [{ id: 2, role: 'dispatcher', tenant_code: CODE, node_id: 1 }] } as Me
    const perms = ['tenant:read', 'node:read', 'department:read', 'category:read', 'case:read', 'case:write', 'case:dispatch', 'case:confirm']
    vi.spyOn(api, 'getTenant').mockResolvedValue({ id: 1, code: CODE, name: '平邑街道', county_code: '371326', status: 'active', created_at: '2026-11-22T03:00:00Z',
      node_counts: { community: 1, zone: 1, grid: 1, building: 1 }, root_id: 1, reopen_window_days: 7, permissions: perms } as Tenant)
    vi.spyOn(api, 'rootNodes').mockResolvedValue([{ id: 1, kind: 'street', code: CODE, name: '平邑街道', parent_id: null, child_count: 1, archived: false, created_at: '2026-11-22T03:00:00Z' } as Node])
    vi.spyOn(api, 'listCategories').mockResolvedValue([])
    vi.spyOn(api, 'listDepartments').mockResolvedValue([])
    vi.spyOn(api, 'caseInbox').mockResolvedValue({ by_status: {}, overdue: 0 })
    vi.spyOn(api, 'listCases').mockResolvedValue({ items: [] })
    const create = vi.spyOn(exportsApi, 'createStreetExport').mockResolvedValue(exp())
    const router = testRouter()
    await router.push('/')
    mount(CasesView, { props: { code: CODE }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    await flushPromises()
    $('cases-export')!.click()
    await flushPromises()
    expect(create).toHaveBeenCalledTimes(1)
    expect(create.mock.calls[0][0]).toBe(CODE)
    expect(create.mock.calls[0][1]).toBe('case_ledger')
    // The centre's first tab is the manual queue: reported cases.
    expect(create.mock.calls[0][2]).toEqual({ status: 'reported' })
    expect(router.currentRoute.value.name).toBe('exports')
  })
})

// The bell and the notifications page with the API mocked: the badge, the
// dropdown, marking read and opening the case, only unread, more, and no
// bell for an API key.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '../src/api'
import type { Me, Notification } from '../src/api/types'
import AppHeader from '../src/components/AppHeader.vue'
import NotificationBell from '../src/components/NotificationBell.vue'
import { i18n } from '../src/i18n'
import { notices } from '../src/notifications'
import { session } from '../src/session'
import NotificationsView from '../src/views/NotificationsView.vue'

const county = { id: 1, code: '371326', name: '平邑县' }
const CODE = '371326001'
const police: Me = {
  credential: 'session',
  name: '张警官',
  county,
  county_wide: false,
  memberships: [{ id: 5, role: 'department_staff', tenant_code: CODE, department_id: 2 }],
  streets: [CODE],
}

const notice = (n: Partial<Notification>): Notification => ({
  id: 1,
  audience: 'department',
  kind: 'assignment',
  title: '新交办：楼道堆放杂物',
  created_at: '2026-11-22T06:00:00Z',
  case_id: 42,
  ...n,
})

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)]

function testRouter() {
  const blank = defineComponent({ render: () => null })
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: blank },
      { path: '/streets/:code', name: 'street', component: blank },
      { path: '/streets/:code/cases', name: 'cases', component: blank },
      { path: '/streets/:code/cases/:id', name: 'case', component: blank },
      { path: '/streets/:code/notifications', name: 'notifications', component: blank },
      { path: '/account', name: 'account', component: blank },
    ],
  })
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
  session.me = null
  notices.code = ''
  notices.unread = 0
  notices.latest = []
  document.body.innerHTML = ''
})
enableAutoUnmount(afterEach)

describe('the bell', () => {
  it('shows the unread count, lists the latest with their kinds, and opens a case marking it read', async () => {
    session.me = police
    const list = vi.spyOn(api, 'listNotifications').mockResolvedValue({
      items: [notice({ id: 3, kind: 'urgent', title: '紧急：燃气泄漏', case_id: 43 }), notice({ id: 1, read_at: '2026-11-22T06:10:00Z' })],
      unread: 1,
    })
    const read = vi.spyOn(api, 'readNotification').mockResolvedValue({})
    const router = testRouter()
    await router.push(`/streets/${CODE}`)
    mount(NotificationBell, { props: { code: CODE }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    expect(list).toHaveBeenCalledWith(CODE, { limit: 8 })
    expect($('bell-badge')?.getAttribute('data-unread')).toBe('1')
    expect($('bell-badge')?.querySelector('.el-badge__content')?.textContent?.trim()).toBe('1')

    $('bell')!.click()
    await flushPromises()
    expect($$('bell-item').map((e) => [e.getAttribute('data-kind'), e.querySelector('[data-testid="notification-kind"]')?.textContent?.trim(), e.classList.contains('is-unread')])).toEqual([
      ['urgent', '紧急', true],
      ['assignment', '新交办', false],
    ])
    list.mockResolvedValue({ items: [], unread: 0 })
    $$('bell-item')[0].click()
    await flushPromises()
    expect(read).toHaveBeenCalledWith(CODE, 3)
    expect(router.currentRoute.value.fullPath).toBe(`/streets/${CODE}/cases/43`)
    expect(notices.unread).toBe(0)
    // A page change asks again.
    expect(list.mock.calls.length).toBeGreaterThanOrEqual(2)
  })

  it('asks again every minute', async () => {
    vi.useFakeTimers()
    session.me = police
    const list = vi.spyOn(api, 'listNotifications').mockResolvedValue({ items: [], unread: 0 })
    const router = testRouter()
    await router.push(`/streets/${CODE}`)
    mount(NotificationBell, { props: { code: CODE }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    const before = list.mock.calls.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(list.mock.calls.length).toBe(before + 1)
  })

  it('rings for signed-in staff in a street, not for an API key', async () => {
    vi.spyOn(api, 'listNotifications').mockResolvedValue({ items: [], unread: 0 })
    for (const [who, bell] of [
      [police, true],
      [{ ...police, credential: 'api_key' as const, memberships: [], tenant: { id: 1, code: CODE, name: '平邑街道' } }, false],
    ] as const) {
      session.me = who as Me
      const router = testRouter()
      await router.push(`/streets/${CODE}/cases`)
      const w = mount(AppHeader, { global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
      await flushPromises()
      expect(!!$('bell')).toBe(bell)
      w.unmount()
    }
  })
})

describe('the notifications page', () => {
  it('lists all, then only the unread, loads more, and marks everything read', async () => {
    session.me = police
    const list = vi
      .spyOn(api, 'listNotifications')
      .mockResolvedValueOnce({ items: [notice({ id: 5, kind: 'escalation', title: '督办' }), notice({ id: 4, read_at: '2026-11-22T06:10:00Z' })], unread: 1, next_cursor: 'c1' })
      .mockResolvedValueOnce({ items: [notice({ id: 2, kind: 'summons', title: '吹哨报到' })], unread: 2 })
      .mockResolvedValueOnce({ items: [notice({ id: 5, kind: 'escalation', title: '督办' })], unread: 2 })
    const all = vi.spyOn(api, 'readAllNotifications').mockResolvedValue({})
    const router = testRouter()
    await router.push(`/streets/${CODE}/notifications`)
    notices.code = CODE
    mount(NotificationsView, { props: { code: CODE }, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    expect(list).toHaveBeenLastCalledWith(CODE, { unread: false, cursor: undefined, limit: 30 })
    expect($$('notification-item').map((e) => [e.getAttribute('data-read'), e.querySelector('[data-testid="notification-kind"]')?.textContent?.trim()])).toEqual([
      ['false', '督办'],
      ['true', '新交办'],
    ])

    $('notifications-more')!.click()
    await flushPromises()
    expect(list).toHaveBeenLastCalledWith(CODE, { unread: false, cursor: 'c1', limit: 30 })
    expect($$('notification-item')).toHaveLength(3)
    expect($('notifications-more')).toBeNull()
    expect($('notifications-unread')?.textContent).toBe('未读 2 条')

    $('notifications-unread-only')!.click()
    await flushPromises()
    expect(list).toHaveBeenLastCalledWith(CODE, { unread: true, cursor: undefined, limit: 30 })
    expect($$('notification-item')).toHaveLength(1)

    vi.spyOn(api, 'listNotifications').mockResolvedValue({ items: [], unread: 0 })
    $('notifications-read-all')!.click()
    await flushPromises()
    expect(all).toHaveBeenCalledWith(CODE)
    expect($$('notification-item')).toHaveLength(0)
    expect($('notifications-empty')?.textContent).toContain('没有未读消息')
  })
})

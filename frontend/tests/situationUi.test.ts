// The dashboard page from a fixture SituationBody (the API mocked at fetch,
// charts stubbed): the headline numbers, the top list, the heat tiles, the
// live indicator, the period and the big screen; and the ECharts wrapper's
// life cycle with echarts mocked.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Me } from '../src/api/types'
import { i18n } from '../src/i18n'
import { session } from '../src/session'
import type { Situation } from '../src/views/situation/situation'
import SituationView from '../src/views/situation/SituationView.vue'

const echartsMock = vi.hoisted(() => {
  const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
  return { chart, init: vi.fn((_el: HTMLElement, _theme?: string) => chart), use: vi.fn() }
})
vi.mock('echarts/core', () => ({ init: echartsMock.init, use: echartsMock.use }))

const CODE = '371326001'
const county = { id: 1, code: '371326', name: '平邑县' }
const dispatcher: Me = {
  credential: 'session',
  name: '陈静',
  county,
  county_wide: false,
  tenant: { id: 2, code: CODE, name: '平邑街道' },
  memberships: [{ id: 3, role: 'dispatcher', tenant_code: CODE }],
  streets: [CODE],
} as Me

const fixture: Situation = {
  from: '2026-11-01T16:00:00Z',
  to: '2026-12-01T04:05:06Z',
  generated_at: '2026-12-01T04:05:06Z',
  totals: { received: 1234, resolved: 756, resolution_rate: 756 / 1234, today: 17, open: 321, overdue: 42 },
  by_channel: [
    { key: 'qr', received: 600, resolved: 400, open: 100, overdue: 10 },
    { key: 'hotline_12345', received: 634, resolved: 356, open: 221, overdue: 32 },
  ],
  by_category: [{ key: '5', name: '噪音扰民', received: 300, resolved: 200, open: 50, overdue: 5 }],
  by_grade: [
    { key: 'general', received: 1000, resolved: 700, open: 200, overdue: 20 },
    { key: 'urgent', received: 234, resolved: 56, open: 121, overdue: 22 },
  ],
  by_place: [
    { key: '11', name: '东关社区', received: 500, resolved: 300, open: 150, overdue: 30 },
    { key: '12', name: '西关社区', received: 734, resolved: 456, open: 171, overdue: 12 },
  ],
  heat: [
    { key: '101', name: '东关社区第1网格', received: 20, resolved: 10, open: 9, overdue: 3 },
    { key: '102', name: '东关社区第2网格', received: 0, resolved: 0, open: 0, overdue: 0 },
    { key: '103', name: '西关社区第1网格', received: 5, resolved: 4, open: 1, overdue: 0 },
  ],
  trend: [
    { date: '2026-11-30', received: 40, resolved: 30 },
    { date: '2026-12-01', received: 17, resolved: 5 },
  ],
}

class FakeEventSource {
  static made: FakeEventSource[] = []
  readyState = 0
  closed = false
  private listeners = new Map<string, (() => void)[]>()
  constructor(readonly url: string) {
    FakeEventSource.made.push(this)
  }
  addEventListener(type: string, fn: () => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
  }
  emit(type: string) {
    for (const fn of this.listeners.get(type) ?? []) fn()
  }
  close() {
    this.closed = true
  }
}

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)]

let fetchMock: ReturnType<typeof vi.fn>
const streets = { items: [{ id: 2, code: CODE, name: '平邑街道', status: 'active' }] }
function answer(body: Situation) {
  fetchMock.mockImplementation(async (url: string) => {
    const json = String(url).endsWith('/counties/371326/tenants') ? streets : body
    return new Response(JSON.stringify(json), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
}
const lastUrl = () => String(fetchMock.mock.calls.at(-1)?.[0])

async function mountPage(query = '', level: 'street' | 'county' = 'street') {
  const blank = defineComponent({ render: () => null })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/streets/:code/situation', name: 'situation', component: blank },
      { path: '/county/situation', name: 'county-situation', component: blank },
      { path: '/', component: blank },
    ],
  })
  await router.push(level === 'street' ? `/streets/${CODE}/situation${query}` : `/county/situation${query}`)
  const wrapper = mount(SituationView, {
    props: { level, code: level === 'street' ? CODE : county.code },
    global: { plugins: [ElementPlus, i18n, router], stubs: { EChart: true } },
    attachTo: document.body,
  })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  FakeEventSource.made = []
  vi.stubGlobal('EventSource', FakeEventSource)
  fetchMock = vi.fn()
  vi.stubGlobal('fetch', fetchMock)
  answer(fixture)
  session.me = dispatcher
  session.apiKey = null
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  session.me = null
  document.body.innerHTML = ''
})
enableAutoUnmount(afterEach)

describe('the street dashboard', () => {
  it('shows the headline numbers, the top list and the heat of every grid', async () => {
    await mountPage()
    expect(lastUrl()).toBe(`/api/v1/tenants/${CODE}/situation?days=30`)
    expect($('situation-title')?.textContent).toContain('平邑街道')
    const value = (id: string) => $(`situation-${id}`)?.querySelector('.situation-card__value')?.textContent?.trim()
    expect(value('received')).toBe('1,234')
    expect(value('today')).toBe('17')
    expect(value('open')).toBe('321')
    expect(value('overdue')).toBe('42')
    expect(value('rate')).toBe('61.3%')
    expect($('situation-received')?.dataset.value).toBe('1234')
    expect($('situation-rate')?.textContent).toContain('已化解 756 件')
    expect($('situation-range')?.textContent).toContain('2026-11-02 至 2026-12-01')
    expect($('situation-updated')?.textContent).toContain('12:05:06')

    // The top list, busiest first.
    expect($$('situation-place').map((r) => r.dataset.key)).toEqual(['12', '11'])
    expect($$('situation-place')[0].textContent).toContain('西关社区')
    // Every grid, the quiet one too, hottest red.
    const tiles = $$('heat-tile')
    expect(tiles.map((t) => t.dataset.key)).toEqual(['101', '102', '103'])
    expect(tiles.map((t) => t.dataset.level)).toEqual(['4', '0', '1'])
    expect(tiles[0].title).toContain('东关社区第1网格')
    expect(tiles[0].title).toContain('超期 3')
    // The grade legend in the grades' colours.
    expect(document.querySelectorAll('.situation-grades__item')).toHaveLength(4)
  })

  it('goes live over server-sent events and refetches on `changed`', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    await mountPage()
    const es = FakeEventSource.made[0]
    expect(es.url).toBe(`/api/v1/tenants/${CODE}/situation/events`)
    es.emit('open')
    await nextTick()
    expect($('situation-live')?.dataset.mode).toBe('live')
    expect($('situation-live')?.textContent).toContain('实时')

    answer({ ...fixture, totals: { ...fixture.totals, received: 1235, today: 18 } })
    const calls = fetchMock.mock.calls.length
    // Right after the first load: held back until 3 s have passed, then one fetch for the burst.
    es.emit('changed')
    es.emit('changed')
    await flushPromises()
    expect(fetchMock.mock.calls.length).toBe(calls)
    await vi.advanceTimersByTimeAsync(3100)
    await flushPromises()
    expect(fetchMock.mock.calls.length).toBe(calls + 1)
    expect($('situation-received')?.dataset.value).toBe('1235')
    expect($('situation-today')?.dataset.value).toBe('18')
  })

  it('polls for an API key, every ?poll= seconds', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    session.me = { ...dispatcher, credential: 'api_key' } as Me
    session.apiKey = 'fq_test'
    await mountPage('?poll=2')
    expect(FakeEventSource.made).toHaveLength(0)
    expect($('situation-live')?.dataset.mode).toBe('polling')
    expect($('situation-live')?.textContent).toContain('每 2 秒刷新')
    const calls = fetchMock.mock.calls.length
    await vi.advanceTimersByTimeAsync(4000)
    expect(fetchMock.mock.calls.length).toBeGreaterThanOrEqual(calls + 1)
  })

  it('fetches the period chosen, and keeps it in the URL', async () => {
    const { router } = await mountPage('?days=90')
    expect(lastUrl()).toContain('days=90')
    document.querySelector<HTMLElement>('[data-testid="situation-period-7"]')?.click()
    await flushPromises()
    expect(router.currentRoute.value.query.days).toBe('7')
    expect(lastUrl()).toContain('days=7')
  })

  it('opens the big screen with a button or ?screen=1, and Esc leaves it', async () => {
    const { router } = await mountPage()
    expect($('situation-page')?.dataset.screen).toBe('0')
    $('situation-screen')?.click()
    await flushPromises()
    expect(router.currentRoute.value.query.screen).toBe('1')
    expect($('situation-page')?.classList.contains('situation--screen')).toBe(true)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(router.currentRoute.value.query.screen).toBeUndefined()
    expect($('situation-page')?.dataset.screen).toBe('0')
  })

  it('shows a dash for the rate without cases and a problem when the server refuses', async () => {
    answer({ ...fixture, totals: { received: 0, resolved: 0, resolution_rate: null, today: 0, open: 0, overdue: 0 } })
    const { wrapper } = await mountPage()
    expect($('situation-rate')?.querySelector('.situation-card__value')?.textContent?.trim()).toBe('—')
    wrapper.unmount()
    fetchMock.mockImplementation(
      async () => new Response(JSON.stringify({ title: 'Forbidden', status: 403, detail: 'needs case:read' }), { status: 403 }),
    )
    await mountPage()
    expect($('problem-alert')?.textContent).toContain('needs case:read')
  })
})

describe('the county dashboard', () => {
  it('reads the county, and its streets open their own dashboards', async () => {
    session.me = { credential: 'session', name: '赵平', county, county_wide: true, memberships: [{ id: 1, role: 'county_viewer' }] } as Me
    answer({
      ...fixture,
      by_place: [{ key: '2', name: '平邑街道', received: 1234, resolved: 756, open: 321, overdue: 42 }],
      heat: [{ key: '2', name: '平邑街道', received: 1234, resolved: 756, open: 321, overdue: 42 }],
    })
    const { router } = await mountPage('?days=7', 'county')
    expect(fetchMock.mock.calls.map((c) => String(c[0]))).toContain('/api/v1/counties/371326/situation?days=7')
    expect(FakeEventSource.made[0].url).toBe('/api/v1/counties/371326/situation/events')
    expect($('situation-title')?.textContent).toContain('平邑县')
    expect($('situation-places')?.textContent).toContain('街道排行')
    expect($('situation-street-link')?.getAttribute('href')).toBe(`/streets/${CODE}/situation?days=7`)
    $('heat-tile')?.click()
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('situation')
    expect(router.currentRoute.value.params.code).toBe(CODE)
  })
})

describe('the ECharts wrapper', () => {
  it('inits on mount, replaces the option on change, restarts for a theme, disposes on unmount', async () => {
    const { default: EChart } = await import('../src/views/situation/EChart.vue')
    echartsMock.init.mockClear()
    echartsMock.chart.setOption.mockClear()
    echartsMock.chart.dispose.mockClear()
    const host = defineComponent({
      props: { option: { type: Object, required: true }, theme: { type: String, default: 'light' } },
      setup: (p) => () => h(EChart, { option: p.option as never, theme: p.theme as 'light' | 'dark' }),
    })
    const wrapper = mount(host, { props: { option: { series: [] } }, attachTo: document.body })
    expect(echartsMock.init).toHaveBeenCalledTimes(1)
    expect(echartsMock.init.mock.calls[0][1]).toBeUndefined()
    expect(echartsMock.chart.setOption).toHaveBeenLastCalledWith({ backgroundColor: 'transparent', series: [] }, true)
    await wrapper.setProps({ option: { series: [{ type: 'bar' }] } })
    expect(echartsMock.chart.setOption).toHaveBeenLastCalledWith({ backgroundColor: 'transparent', series: [{ type: 'bar' }] }, true)
    await wrapper.setProps({ theme: 'dark' })
    expect(echartsMock.chart.dispose).toHaveBeenCalledTimes(1)
    expect(echartsMock.init).toHaveBeenLastCalledWith(expect.any(HTMLElement), 'dark')
    wrapper.unmount()
    expect(echartsMock.chart.dispose).toHaveBeenCalledTimes(2)
  })
})

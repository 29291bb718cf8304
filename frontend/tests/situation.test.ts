// The dashboard's pure logic: numbers, the period, grade colours, heat, the
// refetch throttle on `changed`, server-sent events and the polling fallback,
// and who gets the links.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Me } from '../src/api/types'
import {
  DEFAULT_PERIOD,
  GRADE_COLORS,
  HEAT_COLORS,
  POLL_SECONDS,
  REFETCH_GAP_MS,
  clockTime,
  formatCount,
  formatRate,
  gradeSlices,
  heatLevel,
  heatScore,
  heatTiles,
  isScreen,
  mayReadCountySituation,
  mayReadStreetSituation,
  parsePeriod,
  parsePollSeconds,
  shortDate,
  situationEventsUrl,
  startLive,
  throttle,
  topN,
  type SituationCount,
} from '../src/views/situation/situation'

const count = (key: string, received: number, open = 0, overdue = 0, name?: string): SituationCount => ({
  key,
  name,
  received,
  resolved: 0,
  open,
  overdue,
})

describe('numbers', () => {
  it('reads the resolution rate as a percent with one decimal, and no cases as a dash', () => {
    expect(formatRate(0.6123)).toBe('61.2%')
    expect(formatRate(0.61249)).toBe('61.2%')
    expect(formatRate(0.61251)).toBe('61.3%')
    expect(formatRate(1)).toBe('100.0%')
    expect(formatRate(0)).toBe('0.0%')
    expect(formatRate(2 / 3)).toBe('66.7%')
    expect(formatRate(null)).toBe('—')
    expect(formatRate(undefined)).toBe('—')
    expect(formatRate(Number.NaN)).toBe('—')
    // Out of range is clamped, never "120.0%".
    expect(formatRate(1.2)).toBe('100.0%')
  })

  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(undefined)).toBe('0')
  })

  it('shortens dates and tells the time in Beijing', () => {
    expect(shortDate('2026-12-01')).toBe('12-01')
    expect(shortDate('odd')).toBe('odd')
    expect(clockTime('2026-12-01T04:05:06Z')).toBe('12:05:06')
    expect(clockTime('nonsense')).toBe('')
  })
})

describe('the period and the URL', () => {
  it('takes 7, 30, 90 or 365 days from ?days=, else 30', () => {
    expect(parsePeriod('7')).toBe(7)
    expect(parsePeriod('90')).toBe(90)
    expect(parsePeriod(['365'])).toBe(365)
    expect(parsePeriod('12')).toBe(DEFAULT_PERIOD)
    expect(parsePeriod(undefined)).toBe(30)
    expect(parsePeriod('abc')).toBe(30)
  })

  it('takes a polling interval of 1–300 s from ?poll=', () => {
    expect(parsePollSeconds('2')).toBe(2)
    expect(parsePollSeconds(undefined)).toBe(POLL_SECONDS)
    expect(parsePollSeconds('0')).toBe(POLL_SECONDS)
    expect(parsePollSeconds('1000')).toBe(POLL_SECONDS)
    expect(parsePollSeconds('x')).toBe(POLL_SECONDS)
  })

  it('turns the big screen on with ?screen=1', () => {
    expect(isScreen('1')).toBe(true)
    expect(isScreen('true')).toBe(true)
    expect(isScreen(undefined)).toBe(false)
    expect(isScreen('0')).toBe(false)
  })

  it('names the event streams', () => {
    expect(situationEventsUrl('street', '371326001')).toBe('/api/v1/tenants/371326001/situation/events')
    expect(situationEventsUrl('county', '371326')).toBe('/api/v1/counties/371326/situation/events')
  })
})

describe('grades and heat', () => {
  it('colours grades blue, yellow, orange, red, each its own', () => {
    expect(GRADE_COLORS.urgent).toBe('#e5484d')
    expect(new Set(Object.values(GRADE_COLORS)).size).toBe(4)
  })

  it('lists every grade mildest first, zero where none came in', () => {
    const slices = gradeSlices([count('urgent', 3), count('general', 10)])
    expect(slices.map((s) => [s.grade, s.received, s.color])).toEqual([
      ['general', 10, GRADE_COLORS.general],
      ['major', 0, GRADE_COLORS.major],
      ['serious', 0, GRADE_COLORS.serious],
      ['urgent', 3, GRADE_COLORS.urgent],
    ])
    expect(gradeSlices(null)).toHaveLength(4)
  })

  it('keeps the top n by received, without empty ones', () => {
    const list = [count('a', 1), count('b', 9), count('c', 0), count('d', 9, 2), count('e', 0, 1)]
    expect(topN(list, 3).map((c) => c.key)).toEqual(['d', 'b', 'a'])
    expect(topN(list).map((c) => c.key)).toEqual(['d', 'b', 'a', 'e'])
    expect(topN(null)).toEqual([])
  })

  it('heats a place by its open cases, overdue ones counting twice, relative to the busiest', () => {
    expect(heatScore({ open: 4, overdue: 1 })).toBe(5)
    expect(heatLevel(0, 10)).toBe(0)
    expect(heatLevel(1, 10)).toBe(1)
    expect(heatLevel(3, 10)).toBe(2)
    expect(heatLevel(6, 10)).toBe(3)
    expect(heatLevel(10, 10)).toBe(4)
    expect(heatLevel(5, 0)).toBe(0)
    const tiles = heatTiles([count('quiet', 0), count('busy', 5, 4, 2), count('some', 2, 1)])
    expect(tiles.map((t) => [t.key, t.level, t.color])).toEqual([
      ['quiet', 0, HEAT_COLORS[0]],
      ['busy', 4, HEAT_COLORS[4]],
      ['some', 1, HEAT_COLORS[1]],
    ])
  })
})

describe('the refetch throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs at once, then at most once per gap, folding a burst into one trailing run', () => {
    const run = vi.fn()
    const th = throttle(run, 3000)
    th.trigger()
    expect(run).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1000)
    th.trigger()
    vi.advanceTimersByTime(500)
    th.trigger()
    th.trigger()
    expect(run).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1499)
    expect(run).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(run).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(10_000)
    expect(run).toHaveBeenCalledTimes(2)
    th.trigger()
    expect(run).toHaveBeenCalledTimes(3)
  })

  it('counts a fetch made elsewhere, and cancels a pending run', () => {
    const run = vi.fn()
    const th = throttle(run, 3000)
    th.mark()
    th.trigger()
    expect(run).not.toHaveBeenCalled()
    th.cancel()
    vi.advanceTimersByTime(5000)
    expect(run).not.toHaveBeenCalled()
  })
})

/** An EventSource the test drives. */
class FakeEventSource {
  static made: FakeEventSource[] = []
  readyState = 0
  closed = false
  private listeners = new Map<string, (() => void)[]>()
  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    FakeEventSource.made.push(this)
  }
  addEventListener(type: string, fn: () => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
  }
  emit(type: string) {
    if (type === 'open') this.readyState = 1
    for (const fn of this.listeners.get(type) ?? []) fn()
  }
  close() {
    this.closed = true
    this.readyState = 2
  }
}
const ES = FakeEventSource as unknown as typeof EventSource

describe('live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    FakeEventSource.made = []
  })
  afterEach(() => vi.useRealTimers())

  it('listens for `changed` with the session cookie and refetches at most once per 3 s', () => {
    const refresh = vi.fn()
    const modes: string[] = []
    const live = startLive({ url: '/api/v1/tenants/1/situation/events', useEvents: true, refresh, onMode: (m) => modes.push(m), EventSourceImpl: ES })
    live.mark() // the first load
    const es = FakeEventSource.made[0]
    expect(es.url).toBe('/api/v1/tenants/1/situation/events')
    expect(es.init?.withCredentials).toBe(true)
    es.emit('open')
    expect(modes).toEqual(['connecting', 'live'])
    expect(refresh).not.toHaveBeenCalled()

    // A burst of changes right after the load: one refetch when the gap is over.
    es.emit('changed')
    es.emit('changed')
    es.emit('changed')
    expect(refresh).not.toHaveBeenCalled()
    vi.advanceTimersByTime(REFETCH_GAP_MS)
    expect(refresh).toHaveBeenCalledTimes(1)
    // Later, a single change refetches at once.
    vi.advanceTimersByTime(10_000)
    es.emit('changed')
    expect(refresh).toHaveBeenCalledTimes(2)
    // Nothing polls while events flow.
    vi.advanceTimersByTime(120_000)
    expect(refresh).toHaveBeenCalledTimes(2)

    live.stop()
    expect(es.closed).toBe(true)
  })

  it('refetches after a reconnect (changes may have been missed) and says it is reconnecting meanwhile', () => {
    const refresh = vi.fn()
    const modes: string[] = []
    startLive({ url: '/e', useEvents: true, refresh, onMode: (m) => modes.push(m), EventSourceImpl: ES })
    const es = FakeEventSource.made[0]
    es.emit('open')
    es.readyState = 0
    es.emit('error')
    expect(modes.at(-1)).toBe('reconnecting')
    es.emit('open')
    expect(modes.at(-1)).toBe('live')
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('polls instead for an API key (EventSource cannot send its header)', () => {
    const refresh = vi.fn()
    const modes: string[] = []
    const live = startLive({ url: '/e', useEvents: false, refresh, onMode: (m) => modes.push(m), EventSourceImpl: ES })
    live.mark()
    expect(FakeEventSource.made).toHaveLength(0)
    expect(modes).toEqual(['polling'])
    vi.advanceTimersByTime(POLL_SECONDS * 1000 - 1)
    expect(refresh).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(refresh).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(POLL_SECONDS * 1000)
    expect(refresh).toHaveBeenCalledTimes(2)
    live.stop()
    vi.advanceTimersByTime(POLL_SECONDS * 5000)
    expect(refresh).toHaveBeenCalledTimes(2)
  })

  it('polls at the interval asked for (?poll=2)', () => {
    const refresh = vi.fn()
    startLive({ url: '/e', useEvents: false, pollSeconds: 2, gapMs: 0, refresh, EventSourceImpl: ES })
    vi.advanceTimersByTime(6000)
    expect(refresh).toHaveBeenCalledTimes(3)
  })

  it('falls back to polling when the stream is refused', () => {
    const refresh = vi.fn()
    const modes: string[] = []
    startLive({ url: '/e', useEvents: true, pollSeconds: 5, refresh, onMode: (m) => modes.push(m), EventSourceImpl: ES })
    const es = FakeEventSource.made[0]
    es.readyState = 2
    es.emit('error')
    expect(es.closed).toBe(true)
    expect(modes.at(-1)).toBe('polling')
    vi.advanceTimersByTime(5000)
    expect(refresh).toHaveBeenCalledTimes(1)
  })
})

describe('who gets the links', () => {
  const county = { id: 1, code: '371326', name: '平邑县' }
  const me = (m: Partial<Me>): Me => ({ credential: 'session', name: 'x', county, county_wide: false, memberships: [], ...m }) as Me

  it('county readers and county-wide keys read the county and every street', () => {
    const viewer = me({ county_wide: true, memberships: [{ id: 1, role: 'county_viewer' }] as Me['memberships'], county_permissions: ['county:read'] })
    expect(mayReadCountySituation(viewer)).toBe(true)
    expect(mayReadStreetSituation(viewer, '371326001')).toBe(true)
    const key = me({ credential: 'api_key', county_wide: true, county_permissions: ['county:read', 'county:write'] })
    expect(mayReadCountySituation(key)).toBe(true)
    const judge = me({ county_wide: true, memberships: [{ id: 2, role: 'judge' }] as Me['memberships'], county_permissions: ['competition:read', 'competition:score'] })
    expect(mayReadCountySituation(judge)).toBe(false)
  })

  it('street-wide readers read their street; grid workers and other streets do not', () => {
    const dispatcher = me({ memberships: [{ id: 3, role: 'dispatcher', tenant_code: '371326001' }] as Me['memberships'] })
    expect(mayReadStreetSituation(dispatcher, '371326001')).toBe(true)
    expect(mayReadStreetSituation(dispatcher, '371326101')).toBe(false)
    expect(mayReadCountySituation(dispatcher)).toBe(false)
    const grid = me({ memberships: [{ id: 4, role: 'grid_worker', tenant_code: '371326001' }] as Me['memberships'] })
    expect(mayReadStreetSituation(grid, '371326001')).toBe(false)
    const streetKey = me({ credential: 'api_key', tenant: { id: 2, code: '371326001', name: '平邑街道' } } as Partial<Me>)
    expect(mayReadStreetSituation(streetKey, '371326001')).toBe(true)
    expect(mayReadStreetSituation(streetKey, '371326101')).toBe(false)
    expect(mayReadStreetSituation(null, '371326001')).toBe(false)
  })
})

// The assessment pages' logic (考核): who sees them, how a figure reads, the
// bottom-ranked rows, the period a ranking is requested for, following a
// ranking until done or failed, the chart data; and the ranking table from a
// fixture ranking.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Indicator, Ranking, RankingResult, Scheme } from '../src/api/assessment'
import { assessmentApi, ranking as normalize } from '../src/api/assessment'
import { ApiError } from '../src/api/client'
import type { Me } from '../src/api/types'
import { i18n } from '../src/i18n'
import { session } from '../src/session'
import AssessmentView from '../src/views/assessment/AssessmentView.vue'
import RankingTable from '../src/views/assessment/RankingTable.vue'
import {
  acrossPeriods,
  barOption,
  barPercent,
  BOTTOM_COLOR,
  bottomActionKey,
  bottomStreets,
  chinaToday,
  defaultPeriod,
  defaultRows,
  followRanking,
  formatFigure,
  formatPoints,
  indicatorName,
  mayAdministerAssessment,
  mayReadAssessment,
  nextDay,
  periodBounds,
  periodLabel,
  periodRequest,
  periodSpan,
  progressStatus,
  radarData,
  rowClass,
  schemeIndicators,
  trendOption,
  weightShare,
} from '../src/assessment'

const CATALOGUE: Indicator[] = [
  { code: 'resolution_rate', name_zh: '化解率', name_en: 'Resolution rate', unit: 'percent', direction: 'higher_better', numerator: 'a', denominator: 'b' },
  { code: 'cases_per_worker', name_zh: '人均案件数', name_en: 'Cases per worker', unit: 'per_person', direction: 'lower_better', numerator: 'c', denominator: 'd' },
]

const result = (r: Partial<RankingResult> & Pick<RankingResult, 'street_id' | 'street_name' | 'rank' | 'score'>): RankingResult => ({
  bottom: false,
  figures: [
    { indicator: 'resolution_rate', numerator: 87, denominator: 100, value: 87, points: 80 },
    { indicator: 'cases_per_worker', numerator: 13, denominator: 4, value: 3.25, points: 50 },
  ],
  ...r,
})

const RANKING: Ranking = {
  id: 9,
  scheme_id: 3,
  from: '2026-11-30T16:00:00Z',
  to: '2026-12-31T16:00:00Z',
  label: '2026年12月',
  indicators: [
    { indicator: 'resolution_rate', weight: 60 },
    { indicator: 'cases_per_worker', weight: 40 },
  ],
  bottom_n: 1,
  bottom_action: 'interview',
  no_data: 'zero',
  trigger: 'manual',
  requested_by: '县委政法委',
  status: 'done',
  percent: 100,
  created_at: '2026-12-01T04:00:00Z',
  finished_at: '2026-12-01T04:00:02Z',
  results: [
    result({ street_id: 1, street_name: '平邑街道', rank: 1, score: 92.35 }),
    result({ street_id: 2, street_name: '仲村镇', rank: 2, score: 70 }),
    result({ street_id: 3, street_name: '武台镇', rank: 2, score: 70 }),
    result({
      street_id: 4,
      street_name: '保太镇',
      rank: 4,
      score: 12.5,
      bottom: true,
      figures: [
        { indicator: 'resolution_rate', numerator: 0, denominator: 0, value: null, points: 0 },
        { indicator: 'cases_per_worker', numerator: 40, denominator: 4, value: 10, points: 25 },
      ],
    }),
  ],
}

const me = (perms: string[], countyWide = false) => ({ county_wide: countyWide, county_permissions: perms }) as unknown as Me

describe('who sees the assessment', () => {
  it('county staff read it, county administrators request rankings', () => {
    expect(mayReadAssessment(me(['county:read']))).toBe(true)
    expect(mayReadAssessment(me([], true))).toBe(true)
    expect(mayReadAssessment(me(['competition:read']))).toBe(false)
    expect(mayReadAssessment(null)).toBe(false)
    expect(mayAdministerAssessment(me(['county:read'], true))).toBe(false)
    expect(mayAdministerAssessment(me(['county:read', 'county:write'], true))).toBe(true)
  })
})

describe('figures', () => {
  it('reads num / den = value in the unit, or nothing without data', () => {
    expect(formatFigure({ numerator: 873, denominator: 1000, value: 87.3 }, 'percent')).toBe('873 / 1000 = 87.3%')
    expect(formatFigure({ numerator: 2, denominator: 3, value: 66.66666 }, 'percent')).toBe('2 / 3 = 66.7%')
    expect(formatFigure({ numerator: 13, denominator: 4, value: 3.25 }, 'per_person')).toBe('13 / 4 = 3.25')
    expect(formatFigure({ numerator: 0, denominator: 0, value: null }, 'percent')).toBeNull()
    expect(formatPoints(92.35)).toBe('92.4')
    expect(formatPoints(0)).toBe('0.0')
  })

  it('names an indicator in the page language, or by its code', () => {
    expect(indicatorName('resolution_rate', CATALOGUE, 'zh-CN')).toBe('化解率')
    expect(indicatorName('resolution_rate', CATALOGUE, 'en')).toBe('Resolution rate')
    expect(indicatorName('unknown', CATALOGUE, 'en')).toBe('unknown')
  })

  it('makes the null lists of a ranking empty', () => {
    const r = normalize({ ...RANKING, indicators: null, results: [{ ...RANKING.results[0], figures: null }] })
    expect(r.indicators).toEqual([])
    expect(r.results[0].figures).toEqual([])
    expect(normalize({ ...RANKING, results: null }).results).toEqual([])
  })
})

describe('the bottom-ranked', () => {
  it('are red and tagged with the notice or interview', () => {
    expect(RANKING.results.map(rowClass)).toEqual(['', '', '', 'is-bottom'])
    expect(bottomStreets(RANKING.results).map((r) => r.street_name)).toEqual(['保太镇'])
    expect(bottomActionKey('notice')).toBe('assessment.action.notice')
    expect(bottomActionKey('interview')).toBe('assessment.action.interview')
  })

  it('are red in the bar chart, best first', () => {
    const [a, b, c, d] = RANKING.results
    const shuffled = [d, a, b, c]
    const opt = barOption(shuffled, '得分')
    expect(opt.xAxis.data).toEqual(['平邑街道', '仲村镇', '武台镇', '保太镇'])
    expect(opt.series[0].data.map((d) => d.value)).toEqual([92.4, 70, 70, 12.5])
    expect(opt.series[0].data.map((d) => d.itemStyle.color === BOTTOM_COLOR)).toEqual([false, false, false, true])
  })
})

describe('periods', () => {
  it("starts at this month in China time", () => {
    // 2026-11-30 17:00 UTC is already 1 December in China.
    const now = new Date('2026-11-30T17:00:00Z')
    expect(chinaToday(now)).toEqual({ year: 2026, month: 12, day: 1 })
    expect(defaultPeriod(now)).toEqual({ kind: 'month', year: 2026, month: 12, quarter: 4, range: ['2026-12-01', '2026-12-01'] })
    expect(defaultPeriod(new Date('2026-05-10T00:00:00Z')).quarter).toBe(2)
  })

  it('builds the request of a month, quarter, year and range', () => {
    const base = { year: 2026, month: 3, quarter: 1, range: null }
    expect(periodRequest({ ...base, kind: 'month' })).toEqual({ kind: 'month', year: 2026, month: 3 })
    expect(periodRequest({ ...base, kind: 'quarter', quarter: 4 }, '  四季度 ')).toEqual({ kind: 'quarter', year: 2026, quarter: 4, label: '四季度' })
    expect(periodRequest({ ...base, kind: 'year' })).toEqual({ kind: 'year', year: 2026 })
    // The last day counts: the end sent is midnight after it, China time.
    expect(periodRequest({ ...base, kind: 'range', range: ['2026-01-15', '2026-02-28'] })).toEqual({
      kind: 'range',
      from: '2026-01-15T00:00:00+08:00',
      to: '2026-03-01T00:00:00+08:00',
    })
    expect(periodRequest({ ...base, kind: 'range', range: ['2026-12-31', '2026-12-31'] })?.to).toBe('2027-01-01T00:00:00+08:00')
    expect(periodRequest({ ...base, kind: 'range', range: null })).toBeNull()
    expect(periodRequest({ ...base, kind: 'range', range: ['2026-03-02', '2026-03-01'] })).toBeNull()
  })

  it('labels the period when no label is typed', () => {
    const tr = (key: string, v: Record<string, unknown>) => i18n.global.t(key, v)
    const base = { year: 2026, month: 3, quarter: 2, range: ['2026-01-15', '2026-02-28'] as [string, string] }
    i18n.global.locale.value = 'zh-CN'
    expect(periodLabel({ ...base, kind: 'month' }, tr)).toBe('2026年3月')
    expect(periodLabel({ ...base, kind: 'quarter' }, tr)).toBe('2026年第2季度')
    expect(periodLabel({ ...base, kind: 'year' }, tr)).toBe('2026年度')
    expect(periodLabel({ ...base, kind: 'range' }, tr)).toBe('2026-01-15至2026-02-28')
    i18n.global.locale.value = 'en'
    expect(periodLabel({ ...base, kind: 'quarter' }, tr)).toBe('2026 Q2')
    i18n.global.locale.value = 'zh-CN'
  })

  it('steps a day across months and leap years', () => {
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
    expect(nextDay('2026-02-28')).toBe('2026-03-01')
  })

  it('shows a ranking’s period as its first and last day in China time', () => {
    expect(periodSpan(RANKING)).toBe('2026-12-01 – 2026-12-31')
  })
})

describe('following a ranking', () => {
  function manual() {
    const pending: (() => void)[] = []
    return {
      pending,
      setTimer: (fn: () => void) => pending.push(fn),
      clearTimer: () => void pending.splice(0),
      async fire() {
        pending.shift()?.()
        await vi.waitFor(() => undefined)
        await new Promise((r) => setTimeout(r, 0))
      },
    }
  }
  const at = (status: Ranking['status'], percent: number, error?: string): Ranking => ({ ...RANKING, status, percent, error, results: [] })

  it('asks again until done, then stops', async () => {
    const timers = manual()
    const answers = [at('queued', 0), at('running', 40), at('done', 100)]
    const load = vi.fn(async () => answers.shift()!)
    const seen: string[] = []
    const f = followRanking(load, (r) => seen.push(`${r.status}:${r.percent}`), undefined, timers)
    await new Promise((r) => setTimeout(r, 0))
    expect(timers.pending).toHaveLength(1)
    await timers.fire()
    await timers.fire()
    expect(await f.finished).toMatchObject({ status: 'done' })
    expect(seen).toEqual(['queued:0', 'running:40', 'done:100'])
    expect(timers.pending).toHaveLength(0)
    expect(load).toHaveBeenCalledTimes(3)
  })

  it('stops at failed with its error', async () => {
    const timers = manual()
    const answers = [at('running', 10), at('failed', 10, 'boom')]
    const f = followRanking(async () => answers.shift()!, () => {}, undefined, timers)
    await new Promise((r) => setTimeout(r, 0))
    await timers.fire()
    expect(await f.finished).toMatchObject({ status: 'failed', error: 'boom' })
    expect(timers.pending).toHaveLength(0)
  })

  it('asks again after a failed request, and stop() ends it', async () => {
    const timers = manual()
    const onError = vi.fn()
    const load = vi.fn().mockRejectedValueOnce(new Error('network')).mockResolvedValue(at('running', 50))
    const f = followRanking(load, () => {}, onError, timers)
    await new Promise((r) => setTimeout(r, 0))
    expect(onError).toHaveBeenCalledTimes(1)
    await timers.fire()
    expect(load).toHaveBeenCalledTimes(2)
    f.stop()
    expect(timers.pending).toHaveLength(0)
    expect(await f.finished).toBeNull()
  })

  it('shows a full green bar when done and a red one when failed', () => {
    expect(barPercent({ status: 'done', percent: 80 })).toBe(100)
    expect(barPercent({ status: 'running', percent: 140 })).toBe(100)
    expect(barPercent({ status: 'queued', percent: 0 })).toBe(0)
    expect(progressStatus('done')).toBe('success')
    expect(progressStatus('failed')).toBe('exception')
    expect(progressStatus('running')).toBeUndefined()
  })
})

describe('comparing streets', () => {
  it('gives the radar an axis per indicator and the picked streets’ points', () => {
    const d = radarData(RANKING, [4, 1, 99], (c) => indicatorName(c, CATALOGUE, 'zh-CN'))
    expect(d.indicator).toEqual([
      { name: '化解率', max: 100 },
      { name: '人均案件数', max: 100 },
    ])
    expect(d.series).toEqual([
      { name: '保太镇', value: [0, 25] },
      { name: '平邑街道', value: [80, 50] },
    ])
  })

  it('follows one street across the done periods, earliest first', () => {
    const nov: Ranking = {
      ...RANKING,
      id: 8,
      label: '2026年11月',
      from: '2026-10-31T16:00:00Z',
      to: '2026-11-30T16:00:00Z',
      results: [result({ street_id: 4, street_name: '保太镇', rank: 1, score: 88 }), result({ street_id: 1, street_name: '平邑街道', rank: 2, score: 50 })],
    }
    const novOlder: Ranking = { ...nov, id: 5, created_at: '2026-11-01T00:00:00Z', results: [result({ street_id: 4, street_name: '保太镇', rank: 2, score: 1 })] }
    const failed: Ranking = { ...RANKING, id: 10, status: 'failed', results: [] }
    const points = acrossPeriods([RANKING, failed, novOlder, nov], 4)
    expect(points).toEqual([
      { rankingId: 8, label: '2026年11月', from: nov.from, rank: 1, of: 2, score: 88, bottom: false },
      { rankingId: 9, label: '2026年12月', from: RANKING.from, rank: 4, of: 4, score: 12.5, bottom: true },
    ])
    const opt = trendOption(points, '得分', '名次')
    expect(opt.xAxis.data).toEqual(['2026年11月', '2026年12月'])
    expect(opt.series[1].data).toEqual([1, 4])
    expect(opt.yAxis[1]).toMatchObject({ inverse: true, max: 4 })
    expect(acrossPeriods([RANKING], 99)).toEqual([])
  })
})

describe('the new scheme', () => {
  it('starts with every indicator and sends a direction only where it differs', () => {
    const rows = defaultRows(CATALOGUE)
    expect(rows).toEqual([
      { indicator: 'resolution_rate', weight: 10, direction: 'higher_better' },
      { indicator: 'cases_per_worker', weight: 10, direction: 'lower_better' },
    ])
    rows[0].weight = 30
    rows[1].direction = 'higher_better'
    expect(schemeIndicators(rows, CATALOGUE)).toEqual([
      { indicator: 'resolution_rate', weight: 30 },
      { indicator: 'cases_per_worker', weight: 10, direction: 'higher_better' },
    ])
    expect(weightShare(rows, 0)).toBe(75)
    expect(weightShare([{ ...rows[0], weight: 0 }], 0)).toBe(0)
  })
})

enableAutoUnmount(afterEach)

describe('RankingTable', () => {
  it('shows every street with its rank, score and figures, the bottom one red', async () => {
    i18n.global.locale.value = 'zh-CN'
    const w = mount(RankingTable, { props: { ranking: RANKING, catalogue: CATALOGUE }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
    await flushPromises()
    await flushPromises()
    const rows = w.findAll('[data-testid="ranking-row"]')
    expect(rows.map((r) => [r.attributes('data-street'), r.attributes('data-rank'), r.attributes('data-bottom')])).toEqual([
      ['平邑街道', '1', '0'],
      ['仲村镇', '2', '0'],
      ['武台镇', '2', '0'],
      ['保太镇', '4', '1'],
    ])
    expect(w.findAll('[data-testid="ranking-score"]').map((s) => s.text())).toEqual(['92.4', '70.0', '70.0', '12.5'])

    const trs = w.findAll('tr.el-table__row')
    expect(trs).toHaveLength(4)
    expect(trs.map((tr) => tr.classes('is-bottom'))).toEqual([false, false, false, true])
    const tags = w.findAll('[data-testid="bottom-tag"]')
    expect(tags).toHaveLength(1)
    expect(tags[0].text()).toBe('约谈')
    expect(trs[3].find('[data-testid="bottom-tag"]').exists()).toBe(true)

    const figures = trs[0].findAll('[data-testid="ranking-figure"]')
    expect(figures.map((f) => f.text())).toEqual(['87 / 100 = 87.0%', '13 / 4 = 3.25'])
    expect(figures.map((f) => f.attributes('data-points'))).toEqual(['80.0', '50.0'])
    expect(trs[3].findAll('[data-testid="ranking-figure"]')[0].text()).toBe('无数据')

    const headers = w.findAll('th').map((th) => th.text())
    expect(headers).toEqual(expect.arrayContaining(['名次', '街道（乡镇）', '得分', '化解率', '人均案件数']))
  })

  it('speaks English', async () => {
    i18n.global.locale.value = 'en'
    const w = mount(RankingTable, { props: { ranking: { ...RANKING, bottom_action: 'notice' }, catalogue: CATALOGUE }, global: { plugins: [ElementPlus, i18n] } })
    await flushPromises()
    await flushPromises()
    expect(w.find('[data-testid="bottom-tag"]').text()).toBe('Notice')
    expect(w.text()).toContain('no data')
    expect(w.text()).toContain('Resolution rate')
    i18n.global.locale.value = 'zh-CN'
  })
})

describe('the assessment page', () => {
  const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
  const SCHEME: Scheme = {
    id: 3,
    name: '2026年基层治理考核',
    bottom_n: 1,
    bottom_action: 'interview',
    no_data: 'skip',
    nightly: false,
    indicators: RANKING.indicators,
    created_by: '县委政法委',
    created_at: '2026-12-01T00:00:00Z',
    archived: false,
  }

  function testRouter() {
    const blank = defineComponent({ render: () => null })
    return createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/county/assessment', name: 'assessment', component: blank },
        { path: '/county/assessment/rankings/:id', name: 'ranking', component: blank },
      ],
    })
  }

  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
    session.me = null
    document.body.innerHTML = ''
  })

  async function mountPage(perms: string[]) {
    session.me = { credential: 'api_key', name: 'key', county: { id: 1, code: '371326', name: '平邑县' }, county_wide: true, county_permissions: perms, memberships: [] } as unknown as Me
    vi.spyOn(assessmentApi, 'indicators').mockResolvedValue(CATALOGUE)
    vi.spyOn(assessmentApi, 'schemes').mockResolvedValue([SCHEME])
    const list = vi.spyOn(assessmentApi, 'rankings').mockResolvedValue([])
    const router = testRouter()
    await router.push('/county/assessment')
    mount(AssessmentView, { global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
    await flushPromises()
    return { list }
  }

  it('requests this month and follows the ranking until done, then stops asking', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T04:00:00Z') })
    const { list } = await mountPage(['county:read', 'county:write'])
    expect($('scheme-summary')?.textContent).toContain('末位 1 名约谈')
    const queued = { ...RANKING, status: 'queued' as const, percent: 0, results: [] }
    const requested = vi.spyOn(assessmentApi, 'requestRanking').mockResolvedValue(queued)
    const get = vi
      .spyOn(assessmentApi, 'ranking')
      .mockResolvedValueOnce({ ...queued, status: 'running', percent: 40 })
      .mockResolvedValueOnce(RANKING)
    $('generate-ranking')!.click()
    await flushPromises()
    expect(requested).toHaveBeenCalledWith('371326', 3, { kind: 'month', year: 2026, month: 12, label: '2026年12月' })
    expect($('ranking-progress')?.getAttribute('data-status')).toBe('running')
    expect($('open-ranking')).toBeNull()
    await vi.advanceTimersByTimeAsync(1000)
    await flushPromises()
    expect($('ranking-progress')?.getAttribute('data-status')).toBe('done')
    expect($('open-ranking')).not.toBeNull()
    expect(list).toHaveBeenCalledTimes(2) // the scheme's rankings again, with the new one
    await vi.advanceTimersByTimeAsync(5000)
    expect(get).toHaveBeenCalledTimes(2)
  })

  it('shows a failed ranking with its error', async () => {
    await mountPage(['county:read', 'county:write'])
    vi.spyOn(assessmentApi, 'requestRanking').mockResolvedValue({ ...RANKING, status: 'queued', percent: 0, results: [] })
    vi.spyOn(assessmentApi, 'ranking').mockResolvedValue({ ...RANKING, status: 'failed', error: 'no streets', results: [] })
    $('generate-ranking')!.click()
    await flushPromises()
    expect($('ranking-progress')?.getAttribute('data-status')).toBe('failed')
    expect($('ranking-error')?.textContent).toContain('no streets')
  })

  it('offers no scheme or ranking buttons to a county viewer', async () => {
    await mountPage(['county:read'])
    expect($('scheme-summary')).not.toBeNull()
    expect($('scheme-no-data-rule')?.textContent).toContain('无数据的指标不计入得分')
    expect($('scheme-new')).toBeNull()
    expect($('generate-ranking')).toBeNull()
  })

  it('creates a scheme and shows the server’s field errors by their rows', async () => {
    await mountPage(['county:read', 'county:write'])
    const create = vi.spyOn(assessmentApi, 'createScheme').mockRejectedValueOnce(
      new ApiError(422, { title: 'Unprocessable Entity', status: 422, errors: [{ location: 'body.indicators[1].weight', message: 'must be above 0' }] }),
    )
    $('scheme-new')!.click()
    await flushPromises()
    const name = document.querySelector<HTMLInputElement>('[data-testid="scheme-dialog"] [data-testid="scheme-name"] input, [data-testid="scheme-name"]')!
    const input = name.tagName === 'INPUT' ? name : name.querySelector('input')!
    input.value = '测试办法'
    input.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(document.querySelectorAll('[data-testid="scheme-row"]')).toHaveLength(2)
    document.querySelector<HTMLInputElement>('[data-testid="scheme-no-data"] input[value="skip"]')!.click()
    await flushPromises()
    $('scheme-submit')!.click()
    await flushPromises()
    expect(create).toHaveBeenCalledWith('371326', {
      name: '测试办法',
      bottom_n: 1,
      bottom_action: 'notice',
      no_data: 'skip',
      nightly: false,
      indicators: [
        { indicator: 'resolution_rate', weight: 10 },
        { indicator: 'cases_per_worker', weight: 10 },
      ],
    })
    const rows = document.querySelectorAll('[data-testid="scheme-row"]')
    expect(rows[1].textContent).toContain('must be above 0')
    expect(rows[0].textContent).not.toContain('must be above 0')
  })
})

describe('periodBounds', () => {
  it('gives the picked period as China-time midnights, the end exclusive', () => {
    const base = { year: 2026, month: 12, quarter: 4, range: null } as const
    expect(periodBounds({ ...base, kind: 'month' })).toEqual({ from: '2026-12-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' })
    expect(periodBounds({ ...base, kind: 'month', month: 2 })).toEqual({ from: '2026-02-01T00:00:00+08:00', to: '2026-03-01T00:00:00+08:00' })
    expect(periodBounds({ ...base, kind: 'quarter', quarter: 2 })).toEqual({ from: '2026-04-01T00:00:00+08:00', to: '2026-07-01T00:00:00+08:00' })
    expect(periodBounds({ ...base, kind: 'quarter' })).toEqual({ from: '2026-10-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' })
    expect(periodBounds({ ...base, kind: 'year' })).toEqual({ from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' })
    expect(periodBounds({ ...base, kind: 'range', range: ['2026-01-15', '2026-02-28'] })).toEqual({
      from: '2026-01-15T00:00:00+08:00',
      to: '2026-03-01T00:00:00+08:00',
    })
    expect(periodBounds({ ...base, kind: 'range', range: ['2026-03-01', '2026-02-01'] })).toBeNull()
  })
})

// What the assessment pages (考核) compute without the server: who sees what,
// how a figure reads, the period a ranking is requested for, following a
// ranking until it is done, and the data of the bar, radar and trend charts.
import type { BottomAction, Figure, Indicator, Ranking, RankingRequest, RankingResult, RankingStatus, Weighted } from './api/assessment'
import type { Me } from './api/types'

/** County staff (and a county key) read schemes and rankings. */
export function mayReadAssessment(me: Me | null | undefined): boolean {
  if (!me) return false
  return me.county_wide || (me.county_permissions ?? []).includes('county:read')
}

/** County administrators create schemes and request rankings. */
export function mayAdministerAssessment(me: Me | null | undefined): boolean {
  return !!me && (me.county_permissions ?? []).includes('county:write')
}

// ---- figures ----

export type Locale = 'zh-CN' | 'en'

/** An indicator's name in the page's language, or its code when the catalogue lacks it. */
export function indicatorName(code: string, catalogue: readonly Indicator[], locale: string): string {
  const ind = catalogue.find((i) => i.code === code)
  if (!ind) return code
  return locale === 'en' ? ind.name_en : ind.name_zh
}

/** A value in its unit: 87.3% for a percent, 3.25 per person. */
export function formatValue(value: number, unit: Indicator['unit'] | undefined): string {
  return unit === 'per_person' ? value.toFixed(2) : `${value.toFixed(1)}%`
}

/** A figure as the table shows it: "num / den = 87.3%", or null when there is no data. */
export function formatFigure(f: Pick<Figure, 'numerator' | 'denominator' | 'value'>, unit: Indicator['unit'] | undefined): string | null {
  if (f.value === null || f.value === undefined) return null
  return `${f.numerator} / ${f.denominator} = ${formatValue(f.value, unit)}`
}

/** Points and scores with one decimal. */
export const formatPoints = (n: number) => (Math.round(n * 10) / 10).toFixed(1)

/** A result's figure of one indicator (the server keeps the scheme's order, but match by code). */
export function figureOf(r: Pick<RankingResult, 'figures'>, indicator: string): Figure | undefined {
  return r.figures.find((f) => f.indicator === indicator)
}

// ---- the bottom-ranked ----

export const BOTTOM_COLOR = '#f56c6c'
export const BAR_COLOR = '#409eff'

/** The table's class of a row: red for a street named for a notice or interview. */
export const rowClass = (r: Pick<RankingResult, 'bottom'>) => (r.bottom ? 'is-bottom' : '')

/** The i18n key of the tag a bottom-ranked street carries (通报 / 约谈). */
export const bottomActionKey = (a: BottomAction) => `assessment.action.${a}`

/** The streets named for the ranking's notice or interview. */
export const bottomStreets = (results: readonly RankingResult[]) => results.filter((r) => r.bottom)

// ---- periods ----

export type PeriodKind = RankingRequest['kind']
export const PERIOD_KINDS: PeriodKind[] = ['month', 'quarter', 'year', 'range']

export interface PeriodForm {
  kind: PeriodKind
  year: number
  month: number
  quarter: number
  /** range: first and last day, both included, "YYYY-MM-DD" in China time. */
  range: [string, string] | null
}

const CHINA_OFFSET_MS = 8 * 3600 * 1000

/** Today's year, month and day in China time. */
export function chinaToday(now: Date = new Date()): { year: number; month: number; day: number } {
  const d = new Date(now.getTime() + CHINA_OFFSET_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** This month in China time, as the picker starts. */
export function defaultPeriod(now: Date = new Date()): PeriodForm {
  const { year, month, day } = chinaToday(now)
  const first = `${year}-${pad(month)}-01`
  return { kind: 'month', year, month, quarter: Math.floor((month - 1) / 3) + 1, range: [first, `${year}-${pad(month)}-${pad(day)}`] }
}

/** The day after a "YYYY-MM-DD". */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + 1))
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
}

/** Midnight of a day in China time. */
export const chinaMidnight = (date: string) => `${date}T00:00:00+08:00`

/** The body of request-ranking for the picked period, or null when the range is incomplete or backwards. */
export function periodRequest(p: PeriodForm, label?: string): RankingRequest | null {
  const extra = label?.trim() ? { label: label.trim() } : {}
  switch (p.kind) {
    case 'month':
      return { kind: 'month', year: p.year, month: p.month, ...extra }
    case 'quarter':
      return { kind: 'quarter', year: p.year, quarter: p.quarter, ...extra }
    case 'year':
      return { kind: 'year', year: p.year, ...extra }
    case 'range': {
      // The last day is included: the server's end is exclusive.
      const bounds = periodBounds(p)
      return bounds && { kind: 'range', ...bounds, ...extra }
    }
  }
  return null
}

/** The picked period as China-time bounds, the end exclusive (the indicator table's export filters), or null when incomplete. */
export function periodBounds(p: PeriodForm): { from: string; to: string } | null {
  switch (p.kind) {
    case 'month': {
      const next = p.month === 12 ? `${p.year + 1}-01-01` : `${p.year}-${pad(p.month + 1)}-01`
      return { from: chinaMidnight(`${p.year}-${pad(p.month)}-01`), to: chinaMidnight(next) }
    }
    case 'quarter': {
      const first = 3 * (p.quarter - 1) + 1
      const next = p.quarter === 4 ? `${p.year + 1}-01-01` : `${p.year}-${pad(first + 3)}-01`
      return { from: chinaMidnight(`${p.year}-${pad(first)}-01`), to: chinaMidnight(next) }
    }
    case 'year':
      return { from: chinaMidnight(`${p.year}-01-01`), to: chinaMidnight(`${p.year + 1}-01-01`) }
    case 'range':
      if (!p.range || !p.range[0] || !p.range[1] || p.range[0] > p.range[1]) return null
      return { from: chinaMidnight(p.range[0]), to: chinaMidnight(nextDay(p.range[1])) }
  }
  return null
}

/** A label for the period when none is typed: 2026年12月, 2026年第4季度, 2026年度, 2026-01-15至2026-02-28. */
export function periodLabel(p: PeriodForm, t: (key: string, values: Record<string, unknown>) => string): string {
  switch (p.kind) {
    case 'month':
      return t('assessment.periodLabel.month', { year: p.year, month: p.month })
    case 'quarter':
      return t('assessment.periodLabel.quarter', { year: p.year, n: p.quarter })
    case 'year':
      return t('assessment.periodLabel.year', { year: p.year })
  }
  return p.range ? t('assessment.periodLabel.range', { from: p.range[0], to: p.range[1] }) : ''
}

/** "2026-12-01 – 2026-12-31" in China time from a ranking's from and exclusive to. */
export function periodSpan(r: Pick<Ranking, 'from' | 'to'>): string {
  const day = (iso: string, back = 0) => {
    const d = new Date(new Date(iso).getTime() + CHINA_OFFSET_MS - back)
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  }
  return `${day(r.from)} – ${day(r.to, 1)}`
}

// ---- following a ranking ----

export const isFinished = (s: RankingStatus) => s === 'done' || s === 'failed'

/** The el-progress status of a ranking's bar. */
export function progressStatus(s: RankingStatus): 'success' | 'exception' | undefined {
  return s === 'done' ? 'success' : s === 'failed' ? 'exception' : undefined
}

export { barPercent } from './exports'

export interface FollowOptions {
  interval?: number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export interface Follower {
  /** Resolves with the ranking once done or failed, or null once stopped. */
  readonly finished: Promise<Ranking | null>
  stop(): void
}

/**
 * Asks for the ranking every interval until it is done or failed, reporting
 * each answer. A failed request is reported and asked again.
 */
export function followRanking(
  load: () => Promise<Ranking>,
  onUpdate: (r: Ranking) => void,
  onError: (e: unknown) => void = () => {},
  opts: FollowOptions = {},
): Follower {
  const interval = opts.interval ?? 700
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms))
  const clearTimer = opts.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>))
  let timer: unknown = null
  let stopped = false
  let resolve!: (r: Ranking | null) => void
  const finished = new Promise<Ranking | null>((r) => (resolve = r))

  async function tick() {
    timer = null
    if (stopped) return
    try {
      const r = await load()
      if (stopped) return
      onUpdate(r)
      if (isFinished(r.status)) {
        stopped = true
        resolve(r)
        return
      }
    } catch (e) {
      if (stopped) return
      onError(e)
    }
    timer = setTimer(() => void tick(), interval)
  }
  void tick()
  return {
    finished,
    stop() {
      if (stopped) return
      stopped = true
      if (timer !== null) clearTimer(timer)
      timer = null
      resolve(null)
    },
  }
}

// ---- charts ----

/** The bar chart of scores, best first; the bottom-ranked in red. */
export function barOption(results: readonly RankingResult[], scoreName: string) {
  const sorted = [...results].sort((a, b) => a.rank - b.rank)
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 16, top: 24, bottom: 72 },
    xAxis: { type: 'category', data: sorted.map((r) => r.street_name), axisLabel: { interval: 0, rotate: sorted.length > 6 ? 40 : 0 } },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: [
      {
        type: 'bar',
        name: scoreName,
        data: sorted.map((r) => ({
          value: Math.round(r.score * 10) / 10,
          itemStyle: { color: r.bottom ? BOTTOM_COLOR : BAR_COLOR },
        })),
        label: { show: true, position: 'top', formatter: '{c}' },
      },
    ],
  }
}

export const MIN_COMPARE = 2
export const MAX_COMPARE = 5

/** The radar's axes (one per indicator of the ranking, 0–100 points) and one line per picked street. */
export function radarData(ranking: Pick<Ranking, 'indicators' | 'results'>, streetIds: readonly number[], name: (code: string) => string) {
  const indicator = ranking.indicators.map((w: Weighted) => ({ name: name(w.indicator), max: 100 }))
  const series = streetIds
    .map((id) => ranking.results.find((r) => r.street_id === id))
    .filter((r): r is RankingResult => !!r)
    .map((r) => ({
      name: r.street_name,
      value: ranking.indicators.map((w) => Math.round((figureOf(r, w.indicator)?.points ?? 0) * 10) / 10),
    }))
  return { indicator, series }
}

export function radarOption(data: ReturnType<typeof radarData>) {
  return {
    tooltip: {},
    legend: { bottom: 0, data: data.series.map((s) => s.name) },
    radar: { indicator: data.indicator, radius: '62%' },
    series: [{ type: 'radar', data: data.series }],
  }
}

/** A street in one period: its rank among how many, and its score. */
export interface PeriodPoint {
  rankingId: number
  label: string
  from: string
  rank: number
  of: number
  score: number
  bottom: boolean
}

/** One street across the done rankings given, earliest period first (a period ranked twice: the latest request). */
export function acrossPeriods(rankings: readonly Ranking[], streetId: number): PeriodPoint[] {
  const byPeriod = new Map<string, Ranking>()
  for (const r of rankings) {
    if (r.status !== 'done') continue
    const k = `${r.from}|${r.to}`
    const seen = byPeriod.get(k)
    if (!seen || seen.created_at < r.created_at) byPeriod.set(k, r)
  }
  const out: PeriodPoint[] = []
  for (const r of byPeriod.values()) {
    const res = r.results.find((x) => x.street_id === streetId)
    if (!res) continue
    out.push({ rankingId: r.id, label: r.label, from: r.from, rank: res.rank, of: r.results.length, score: res.score, bottom: res.bottom })
  }
  return out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))
}

/** The trend chart: score (left axis) and rank (right axis, 1 at the top). */
export function trendOption(points: readonly PeriodPoint[], scoreName: string, rankName: string) {
  const maxRank = Math.max(1, ...points.map((p) => p.of))
  return {
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, data: [scoreName, rankName] },
    grid: { left: 40, right: 40, top: 24, bottom: 48 },
    xAxis: { type: 'category', data: points.map((p) => p.label) },
    yAxis: [
      { type: 'value', min: 0, max: 100, name: scoreName },
      { type: 'value', min: 1, max: maxRank, inverse: true, name: rankName, minInterval: 1 },
    ],
    series: [
      { type: 'line', name: scoreName, data: points.map((p) => Math.round(p.score * 10) / 10) },
      { type: 'line', name: rankName, yAxisIndex: 1, data: points.map((p) => p.rank) },
    ],
  }
}

// ---- the new scheme dialog ----

export interface SchemeRow {
  indicator: string
  weight: number
  direction: Indicator['direction']
}

/** A row per indicator of the catalogue, equal weights, each in its own direction. */
export function defaultRows(catalogue: readonly Indicator[]): SchemeRow[] {
  return catalogue.map((i) => ({ indicator: i.code, weight: 10, direction: i.direction }))
}

/**
 * The weighted indicators of create-assessment-scheme, one per row in the
 * rows' order (so the server's body.indicators[i] names row i); a direction
 * only where it differs from the indicator's own.
 */
export function schemeIndicators(rows: readonly SchemeRow[], catalogue: readonly Indicator[]): Weighted[] {
  return rows.map((r) => {
    const own = catalogue.find((i) => i.code === r.indicator)?.direction
    return own && own === r.direction ? { indicator: r.indicator, weight: r.weight } : { indicator: r.indicator, weight: r.weight, direction: r.direction }
  })
}

/** The form fields a 422 may name: the scheme's own and each row's. */
export function schemeFields(maxRows = 20): string[] {
  const rows = Array.from({ length: maxRows }, (_, i) => [`indicators[${i}].indicator`, `indicators[${i}].weight`, `indicators[${i}].direction`, `indicators[${i}]`])
  return ['name', 'bottom_n', 'bottom_action', 'no_data', 'nightly', 'indicators', ...rows.flat()]
}

/** The share of the total weight a row carries, as a percentage. */
export function weightShare(rows: readonly SchemeRow[], i: number): number {
  const total = rows.reduce((s, r) => s + (r.weight > 0 ? r.weight : 0), 0)
  return total > 0 && rows[i].weight > 0 ? (100 * rows[i].weight) / total : 0
}

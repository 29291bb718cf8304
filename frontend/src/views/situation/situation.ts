// The situational dashboard (态势) of a street or of the county: the API
// calls, the period, how numbers and grades read, the heat of a place, and
// live updates (server-sent events, or polling where EventSource cannot
// carry the caller's credentials).
import { request } from '../../api/client'
import type { components } from '../../api/schema'
import type { CaseGrade, Me } from '../../api/types'
import { CASE_GRADES } from '../../cases'
import { can } from '../../permissions'

type Schemas = components['schemas']
export type Situation = Schemas['SituationBody']
export type SituationCount = Schemas['CountBody']
export type SituationTotals = Schemas['TotalsBody']
export type SituationDay = Schemas['DayBody']

/** A street's dashboard (by its code) or the county's (by the county code). */
export type SituationLevel = 'street' | 'county'

const seg = encodeURIComponent
const base = (level: SituationLevel, code: string) =>
  level === 'street' ? `/tenants/${seg(code)}/situation` : `/counties/${seg(code)}/situation`

export function getSituation(level: SituationLevel, code: string, days: number): Promise<Situation> {
  return request<Situation>('GET', base(level, code), { query: { days } })
}

/** The event stream's URL, for EventSource (which adds no /api/v1 prefix of its own). */
export function situationEventsUrl(level: SituationLevel, code: string): string {
  return `/api/v1${base(level, code)}/events`
}

// --- the period ------------------------------------------------------------

export const PERIODS = [7, 30, 90, 365] as const
export type Period = (typeof PERIODS)[number]
export const DEFAULT_PERIOD: Period = 30

/** The period from the URL (?days=); anything else is the default. */
export function parsePeriod(value: unknown): Period {
  const raw = Array.isArray(value) ? value[0] : value
  const n = Number(raw)
  return (PERIODS as readonly number[]).includes(n) ? (n as Period) : DEFAULT_PERIOD
}

/** `?poll=N` (seconds, 1–300) overrides the polling interval; anything else keeps the default. */
export function parsePollSeconds(value: unknown, fallback = POLL_SECONDS): number {
  const raw = Array.isArray(value) ? value[0] : value
  const n = Number(raw)
  return Number.isFinite(n) && n >= 1 && n <= 300 ? n : fallback
}

/** `?screen=1` (or true) turns the big-screen layout on. */
export function isScreen(value: unknown): boolean {
  const raw = Array.isArray(value) ? value[0] : value
  return raw === '1' || raw === 'true' || raw === ''
}

// --- how numbers read -------------------------------------------------------

/** 0..1 as a percent with one decimal ("87.5%"); "—" without cases (null). */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  const clamped = Math.min(Math.max(rate, 0), 1)
  return `${(Math.round(clamped * 1000) / 10).toFixed(1)}%`
}

/** A count with thousands separators ("1,234"). */
export function formatCount(n: number | null | undefined): string {
  return (n ?? 0).toLocaleString('en-US')
}

/** Grades in one colour everywhere on the dashboard: general blue, major yellow, serious orange, urgent red. */
export const GRADE_COLORS: Readonly<Record<CaseGrade, string>> = {
  general: '#409eff',
  major: '#e6c229',
  serious: '#f08a24',
  urgent: '#e5484d',
}
/** by_grade in the grades' own order (mildest first), with every grade present, zero or not. */
export function gradeSlices(counts: readonly SituationCount[] | null | undefined): { grade: CaseGrade; received: number; color: string }[] {
  const byKey = new Map((counts ?? []).map((c) => [c.key, c.received]))
  return CASE_GRADES.map((grade) => ({ grade, received: byKey.get(grade) ?? 0, color: GRADE_COLORS[grade] }))
}

/** The n largest by received (then by open, then by name), without the empty ones. */
export function topN(counts: readonly SituationCount[] | null | undefined, n = 10): SituationCount[] {
  return [...(counts ?? [])]
    .filter((c) => c.received > 0 || c.open > 0)
    .sort((a, b) => b.received - a.received || b.open - a.open || (a.name ?? a.key).localeCompare(b.name ?? b.key))
    .slice(0, n)
}

// --- heat -------------------------------------------------------------------

/** A place's load: what is in hand, with overdue cases counting twice. */
export function heatScore(c: Pick<SituationCount, 'open' | 'overdue'>): number {
  return c.open + c.overdue
}

/** Five steps from quiet to hot; a place with no open case is 0, the busiest one 4. */
export function heatLevel(score: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (score <= 0 || max <= 0) return 0
  const share = score / max
  if (share > 0.75) return 4
  if (share > 0.5) return 3
  if (share > 0.25) return 2
  return 1
}

export const HEAT_COLORS = ['#e8f5e9', '#fff3bf', '#ffd8a8', '#ffa94d', '#e5484d'] as const

export function heatTiles(heat: readonly SituationCount[] | null | undefined) {
  const list = heat ?? []
  const max = Math.max(0, ...list.map(heatScore))
  return list.map((c) => {
    const level = heatLevel(heatScore(c), max)
    return { ...c, level, color: HEAT_COLORS[level] }
  })
}

/** "2026-12-01" → "12-01" for the trend's axis. */
export function shortDate(date: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date.slice(5) : date
}

/** A time of day in Beijing time (HH:mm:ss), for "updated at". */
export function clockTime(iso: string | Date | undefined): string {
  if (!iso) return ''
  const d = typeof iso === 'string' ? new Date(iso) : iso
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d)
}

// --- live updates -----------------------------------------------------------

/** Refetch at most once per this many milliseconds on `changed`. */
export const REFETCH_GAP_MS = 3000
/** Polling interval where EventSource cannot be used (API keys). */
export const POLL_SECONDS = 30
/** The big screen fetches again this often even without changes (today's count turns over at midnight). */
export const SCREEN_REFRESH_SECONDS = 60

/**
 * Runs `run` at most once per `gapMs`: the first call runs at once, calls
 * within the gap become one trailing run at its end.
 */
export function throttle(run: () => unknown, gapMs: number) {
  let last = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null
  const fire = () => {
    timer = null
    last = Date.now()
    void run()
  }
  return {
    trigger() {
      if (timer) return
      const wait = last + gapMs - Date.now()
      if (wait <= 0) fire()
      else timer = setTimeout(fire, wait)
    },
    /** Counts a run made elsewhere (the first load, a period change) as the latest. */
    mark() {
      last = Date.now()
    },
    cancel() {
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}

export type LiveMode = 'connecting' | 'live' | 'polling' | 'reconnecting'

export interface LiveOptions {
  url: string
  /** False for an API key: EventSource sends cookies but no Authorization header. */
  useEvents: boolean
  pollSeconds?: number
  gapMs?: number
  /** Fetches the dashboard again. */
  refresh: () => unknown
  onMode?: (mode: LiveMode) => void
  /** For tests; the browser's by default. */
  EventSourceImpl?: typeof EventSource
}

/**
 * Keeps a dashboard current: `changed` events (or, without them, a poll)
 * trigger a throttled refresh. Returns the throttle (to mark fetches made
 * elsewhere) and stop().
 */
export function startLive(opts: LiveOptions) {
  const gap = throttle(opts.refresh, opts.gapMs ?? REFETCH_GAP_MS)
  const pollMs = (opts.pollSeconds ?? POLL_SECONDS) * 1000
  const ES = opts.EventSourceImpl ?? (typeof EventSource === 'undefined' ? undefined : EventSource)
  let source: EventSource | null = null
  let poll: ReturnType<typeof setInterval> | null = null
  let opened = false

  const startPolling = () => {
    if (poll) return
    poll = setInterval(() => gap.trigger(), pollMs)
    opts.onMode?.('polling')
  }

  if (opts.useEvents && ES) {
    opts.onMode?.('connecting')
    source = new ES(opts.url, { withCredentials: true })
    source.addEventListener('open', () => {
      // After a reconnect, changes may have been missed.
      if (opened) gap.trigger()
      opened = true
      opts.onMode?.('live')
    })
    source.addEventListener('changed', () => gap.trigger())
    source.addEventListener('error', () => {
      if (!source) return
      if (source.readyState === 2 /* CLOSED: refused (401, 403) or not an event stream */) {
        source.close()
        source = null
        startPolling()
      } else {
        opts.onMode?.('reconnecting')
      }
    })
  } else {
    startPolling()
  }

  return {
    mark: () => gap.mark(),
    trigger: () => gap.trigger(),
    stop() {
      gap.cancel()
      source?.close()
      source = null
      if (poll) clearInterval(poll)
      poll = null
    },
  }
}

// --- who sees the links -----------------------------------------------------

/** Street roles that read cases street-wide (authz/policy.csv); grid and community roles read their part only. */
const STREET_WIDE_READERS = new Set(['street_admin', 'dispatcher', 'mediator'])
/** Whether the caller reads the whole county (county:read, as /me reports it), for the links; the server checks again. */
export function mayReadCountySituation(me: Me | null | undefined): boolean {
  return can(me?.county_permissions, 'county:read')
}

/** Whether the caller's roles read the street's cases street-wide, for the header's link. */
export function mayReadStreetSituation(me: Me | null | undefined, tenantCode: string): boolean {
  if (!me || !tenantCode) return false
  if (mayReadCountySituation(me)) return true
  if (me.credential === 'api_key') return me.tenant?.code === tenantCode
  return (me.memberships ?? []).some((m) => m.tenant_code === tenantCode && STREET_WIDE_READERS.has(m.role))
}

// The export centre's logic: which filters an export carries, when to keep
// asking for progress, how a row's bar looks, and saving a finished file.
import { fetchBlob } from './api/client'
import type { Export, ExportFilters } from './api/exports'
import type { CaseFilter } from './api/types'
import { saveBlob } from './qr'

/** The filters an export of the case ledger takes: the case list's. */
export const EXPORT_FILTER_KEYS = [
  'status',
  'channel',
  'tracking_code',
  'category_id',
  'grade',
  'node_id',
  'department_id',
  'overdue',
  'from',
  'to',
  'sort',
] as const

/** The export filters of a list's filter: exactly what is set there (no cursor, no page size). */
export function exportFilters(f: CaseFilter): ExportFilters {
  const out: Record<string, unknown> = {}
  const src = f as Record<string, unknown>
  for (const k of EXPORT_FILTER_KEYS) {
    const v = src[k]
    if (v === undefined || v === null || v === '' || v === false) continue
    out[k] = v
  }
  return out as ExportFilters
}

/** Still being built: the page keeps asking for progress. */
export const isActive = (e: Pick<Export, 'status'>) => e.status === 'queued' || e.status === 'running'

export const needsPolling = (list: readonly Pick<Export, 'status'>[]) => list.some(isActive)

/** The el-progress status of an export's bar. */
export function progressStatus(e: Pick<Export, 'status'>): 'success' | 'exception' | 'warning' | undefined {
  switch (e.status) {
    case 'done':
      return 'success'
    case 'failed':
      return 'exception'
    case 'expired':
      return 'warning'
  }
  return undefined
}

/** The percentage a bar shows: a finished export is full whatever it last reported. */
export const barPercent = (e: Pick<Export, 'status' | 'percent'>) => (e.status === 'done' ? 100 : Math.max(0, Math.min(100, e.percent)))

export interface PollerOptions {
  /** Milliseconds between two requests while an export is being built. */
  interval?: number
  onError?: (e: unknown) => void
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export interface Poller {
  /** Loads now, and again every interval while an export is queued or running. */
  start(): Promise<void>
  stop(): void
  readonly polling: boolean
}

/** Polls the list while something is being built, and stops once nothing is. */
export function createPoller(load: () => Promise<Export[]>, onItems: (items: Export[]) => void, opts: PollerOptions = {}): Poller {
  const interval = opts.interval ?? 1000
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms))
  const clearTimer = opts.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>))
  let timer: unknown = null
  let stopped = true
  let generation = 0

  async function tick(gen: number) {
    timer = null
    let again = true
    try {
      const items = await load()
      if (gen !== generation) return
      onItems(items)
      again = needsPolling(items)
    } catch (e) {
      if (gen !== generation) return
      opts.onError?.(e) // a blip: keep asking
    }
    if (again && !stopped && gen === generation) timer = setTimer(() => void tick(gen), interval)
    else stopped = true
  }

  return {
    async start() {
      if (timer !== null) clearTimer(timer)
      timer = null
      stopped = false
      await tick(++generation)
    },
    stop() {
      stopped = true
      generation++
      if (timer !== null) clearTimer(timer)
      timer = null
    },
    get polling() {
      return !stopped
    },
  }
}

/** Downloads a finished export with the caller's credentials and saves it under its name. */
export async function downloadExport(e: Pick<Export, 'download_url' | 'filename'>): Promise<void> {
  if (!e.download_url) return
  saveBlob(await fetchBlob(e.download_url), e.filename)
}

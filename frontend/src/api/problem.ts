// Turning RFC 9457 problems into what the UI shows: per-row import errors and
// per-field form errors.
import { ApiError } from './client'
import type { Problem, ProblemError } from './types'

export interface ErrorLocation {
  /** 1-based line of the uploaded file, when the location names one. */
  line: number | null
  /** Column or field name, '' when the error concerns the whole row or request. */
  column: string
}

export interface ErrorRow extends ErrorLocation {
  message: string
  value: string
}

// "file[12].parent_code" → line 12, column parent_code; "body.name" → column name.
const LOCATION = /^[^.[\]]*(?:\[(\d+)\])?(?:\.(.+))?$/

export function parseLocation(location: string | undefined): ErrorLocation {
  const m = LOCATION.exec(location ?? '')
  if (!m) return { line: null, column: location ?? '' }
  return { line: m[1] ? Number(m[1]) : null, column: m[2] ?? '' }
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Rows for the import error report, ordered by line; errors without a line come first. */
export function errorRows(problem: Problem): ErrorRow[] {
  return (problem.errors ?? [])
    .map((e: ProblemError) => ({ ...parseLocation(e.location), message: e.message ?? '', value: formatValue(e.value) }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
}

/**
 * Splits a problem's errors into messages for known form fields (from locations
 * like "body.code") and the rest, which the form shows above its fields.
 */
export function fieldErrors(problem: Problem, fields: readonly string[]): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {}
  const other: string[] = []
  for (const e of problem.errors ?? []) {
    const loc = e.location ?? ''
    const field = loc.startsWith('body.') ? loc.slice('body.'.length) : ''
    const message = e.message ?? ''
    if (fields.includes(field)) byField[field] = byField[field] ? `${byField[field]}; ${message}` : message
    else other.push(loc ? `${loc}: ${message}` : message)
  }
  return { byField, other }
}

export function toProblem(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem
  return { title: e instanceof Error ? e.message : String(e) }
}

/** One line for a toast: the detail when there is one, with field messages appended. */
export function problemMessage(e: unknown): string {
  const p = toProblem(e)
  const head = p.detail || p.title || ''
  const extra = (p.errors ?? []).map((x) => x.message).filter(Boolean)
  return [head, ...extra].filter(Boolean).join('; ')
}

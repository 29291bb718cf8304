// A small typed fetch wrapper: every call carries the stored API key or, without
// one, the staff session cookie (same origin), and every failure becomes an
// ApiError holding an RFC 9457 problem.
import type { Problem } from './types'

const API_BASE = '/api/v1'

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }
}

export interface ClientConfig {
  getKey: () => string | null
  /** Called on any 401 unless the request opted out; the app sends the user to /signin. */
  onUnauthorized: () => void
}

let config: ClientConfig = { getKey: () => null, onUnauthorized: () => {} }

export function configureClient(c: ClientConfig): void {
  config = c
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  json?: unknown
  form?: FormData
  /** Use this key instead of the stored one (the connect page tries a key before storing it). */
  key?: string
  /** Don't trigger the global 401 redirect; the caller handles it. */
  ignoreUnauthorized?: boolean
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return API_BASE + path + (qs ? `?${qs}` : '')
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
  }
  const key = opts.key ?? config.getKey()
  if (key) headers.Authorization = `Bearer ${key}`
  let body: BodyInit | undefined
  if (opts.form) {
    body = opts.form // the browser sets the multipart boundary
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }

  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: e instanceof Error ? e.message : String(e) })
  }

  const text = await res.text()
  if (!res.ok) {
    const problem = parseProblem(res.status, res.statusText, text)
    if (res.status === 401 && !opts.ignoreUnauthorized) config.onUnauthorized()
    throw new ApiError(res.status, problem)
  }
  return (text ? JSON.parse(text) : undefined) as T
}

/** Proxies and the Go server's own 413 may answer with plain text or HTML; keep a usable problem anyway. */
export function parseProblem(status: number, statusText: string, text: string): Problem {
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object') return { status, ...(parsed as Problem) }
  } catch {
    // not JSON
  }
  const detail = text.trim().startsWith('<') ? undefined : text.trim() || undefined
  return { status, title: statusText || `HTTP ${status}`, detail }
}

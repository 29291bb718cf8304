// A small typed fetch wrapper: every call carries the stored API key or, without
// one, the staff session cookie (same origin), and every failure becomes an
// ApiError holding an RFC 9457 problem.
import type { Problem } from './types'

const API_BASE = '/api/v1'

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** Seconds to wait before trying again (a 429's or 503's Retry-After), when the server said. */
  readonly retryAfter?: number

  constructor(status: number, problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.retryAfter = retryAfter
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

/**
 * A multipart upload with progress (fetch cannot report upload progress):
 * same credentials, errors and 401 handling as request(). onProgress gets
 * the fraction sent, 0 to 1.
 */
export function upload<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', buildUrl(path))
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    const key = config.getKey()
    if (key) xhr.setRequestHeader('Authorization', `Bearer ${key}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total)
    }
    xhr.onerror = () => reject(new ApiError(0, { title: 'Network error', detail: 'the upload did not reach the server' }))
    xhr.onload = () => {
      const text = xhr.responseText
      if (xhr.status < 200 || xhr.status >= 300) {
        if (xhr.status === 401) config.onUnauthorized()
        reject(new ApiError(xhr.status, parseProblem(xhr.status, xhr.statusText, text)))
        return
      }
      onProgress?.(1)
      try {
        resolve((text ? JSON.parse(text) : undefined) as T)
      } catch (e) {
        reject(new ApiError(xhr.status, { title: 'Bad response', detail: e instanceof Error ? e.message : String(e) }))
      }
    }
    xhr.send(form)
  })
}

/**
 * Bytes the API serves (a case's photo) as an object URL for <img>: an API
 * key travels in a header, which an <img src> cannot send. The caller
 * revokes the URL when done.
 */
export async function objectUrl(url: string): Promise<string> {
  return URL.createObjectURL(await fetchBlob(url))
}

/**
 * Bytes the API serves, with the same credentials as request(): an image to
 * show or save, a page to open. Never from the HTTP cache (a rotated QR code
 * keeps its URL).
 */
export async function fetchBlob(url: string): Promise<Blob> {
  const headers: Record<string, string> = {}
  const key = config.getKey()
  if (key) headers.Authorization = `Bearer ${key}`
  let res: Response
  try {
    res = await fetch(url, { headers, credentials: 'same-origin', cache: 'no-store' })
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: e instanceof Error ? e.message : String(e) })
  }
  if (!res.ok) throw new ApiError(res.status, parseProblem(res.status, res.statusText, await res.text()))
  return res.blob()
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined
  const v = header.trim()
  if (/^\d+$/.test(v)) return Number(v)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - now) / 1000))
}

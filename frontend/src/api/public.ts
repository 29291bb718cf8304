// The residents' API (码上办): no sign-in, no credentials. A resident's phone
// may hold a staff key or cookie from someone else's use; none of it is sent.
import { ApiError, parseProblem, retryAfterSeconds } from './client'
import type { components } from './schema'
import type { AppealReceipt, Scan, Tracking } from './types'

type WireTracking = components['schemas']['TrackingBody']
const tracking = (t: WireTracking): Tracking => ({ ...t, timeline: t.timeline ?? [], rating: t.rating ?? null })

const API_BASE = '/api/v1/public'
const seg = encodeURIComponent

interface PublicOptions {
  json?: unknown
  form?: FormData
  headers?: Record<string, string>
}

async function call<T>(method: string, path: string, opts: PublicOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers }
  let body: BodyInit | undefined
  if (opts.form) body = opts.form
  else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }
  let res: Response
  try {
    res = await fetch(API_BASE + path, { method, headers, body, credentials: 'omit' })
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: e instanceof Error ? e.message : String(e) })
  }
  const text = await res.text()
  if (!res.ok) {
    throw new ApiError(res.status, parseProblem(res.status, res.statusText, text), retryAfterSeconds(res.headers.get('Retry-After')))
  }
  return (text ? JSON.parse(text) : undefined) as T
}

/** What a resident sends from the appeal page; phone only with consent. */
export interface AppealInput {
  categoryId: number
  description: string
  name: string
  phone: string
  consent: boolean
  photos: readonly File[]
}

/** The multipart body of an appeal: the fields the API names, photos under the repeated field "photos". */
export function appealForm(input: AppealInput): FormData {
  const form = new FormData()
  form.append('category_id', String(input.categoryId))
  form.append('description', input.description)
  form.append('name', input.name)
  form.append('phone', input.phone)
  form.append('consent', input.consent ? 'true' : 'false')
  for (const p of input.photos) form.append('photos', p, p.name)
  return form
}

export const publicApi = {
  /** What a scanned code shows: 404 for an unknown token, status "replaced" for a rotated one. */
  scan: (token: string) => call<Scan>('GET', `/scans/${seg(token)}`),
  /**
   * Files an appeal. The same idempotency key for the same submission (a
   * double tap, a retry after a lost answer) makes one case.
   */
  appeal: (token: string, input: AppealInput, idempotencyKey: string) =>
    call<AppealReceipt>('POST', `/scans/${seg(token)}/appeals`, { form: appealForm(input), headers: { 'Idempotency-Key': idempotencyKey } }),
  /** A case's public status by its tracking code: 404 unknown, 422 malformed. */
  tracking: (code: string) => call<WireTracking>('GET', `/tracking/${seg(code)}`).then(tracking),
  /** Once per answer; 409 when there is no answer yet or it was rated. */
  rate: (code: string, score: number, comment: string) =>
    call<WireTracking>('POST', `/tracking/${seg(code)}/rating`, { json: { score, comment } }).then(tracking),
  /** Within the street's window after the answer; 409 outside it. */
  reopen: (code: string, reason: string) => call<WireTracking>('POST', `/tracking/${seg(code)}/reopen`, { json: { reason } }).then(tracking),
}

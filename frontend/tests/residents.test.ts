// The residents' helpers and their client: what an appeal must hold before it
// goes, one idempotency key per submission, tracking codes as typed, the
// progress steps, Beijing time, and what goes over the wire.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, retryAfterSeconds } from '../src/api/client'
import { appealForm, publicApi, type AppealInput } from '../src/api/public'
import {
  MAX_PHOTO_BYTES,
  appealFingerprint,
  beijingTime,
  checkAppeal,
  newIdempotencyKey,
  normalizeTrackingCode,
  photoProblem,
  progressActive,
  residentActions,
  retryMinutes,
  submissionKeys,
} from '../src/residents'

afterEach(() => vi.unstubAllGlobals())

const base: AppealInput = { categoryId: 7, description: '楼道灯坏了', name: '', phone: '', consent: false, photos: [] }
const png = (name = 'a.png', bytes = 10) => new File([new Uint8Array(bytes)], name, { type: 'image/png', lastModified: 1 })

describe('checking an appeal', () => {
  it('asks for a service and a description', () => {
    expect(checkAppeal({ ...base, categoryId: null, description: '  ' })).toEqual({ category_id: 'serviceRequired', description: 'descriptionRequired' })
    expect(checkAppeal(base)).toEqual({})
  })

  it('takes a phone number only with consent', () => {
    expect(checkAppeal({ ...base, phone: '13812345678' })).toEqual({ consent: 'consentRequired' })
    expect(checkAppeal({ ...base, phone: '13812345678', consent: true })).toEqual({})
    // No phone, no consent needed.
    expect(checkAppeal({ ...base, consent: false })).toEqual({})
    expect(checkAppeal({ ...base, phone: 'call me', consent: true })).toEqual({ phone: 'phoneInvalid' })
  })

  it('counts characters, not UTF-16 units, against the 2000 limit', () => {
    expect(checkAppeal({ ...base, description: '楼'.repeat(2000) })).toEqual({})
    expect(checkAppeal({ ...base, description: '😀'.repeat(2000) })).toEqual({})
    expect(checkAppeal({ ...base, description: '楼'.repeat(2001) })).toEqual({ description: 'descriptionTooLong' })
  })

  it('refuses photos of other types, over 5 MiB, and more than three', () => {
    expect(photoProblem({ type: 'image/jpeg', size: MAX_PHOTO_BYTES })).toBeNull()
    expect(photoProblem({ type: 'image/webp', size: 1 })).toBeNull()
    expect(photoProblem({ type: 'image/gif', size: 1 })).toBe('photoType')
    expect(photoProblem({ type: 'image/png', size: MAX_PHOTO_BYTES + 1 })).toBe('photoSize')
    expect(checkAppeal({ ...base, photos: [png(), png(), png(), png()] })).toEqual({ photos: 'tooManyPhotos' })
  })
})

describe('idempotency keys', () => {
  it('keeps one key while the same form is sent again, and takes a new one when it changes', () => {
    let n = 0
    const keys = submissionKeys(() => `key-${++n}`)
    const photos = [png()]
    expect(keys.keyFor({ ...base, photos })).toBe('key-1')
    expect(keys.keyFor({ ...base, photos: [...photos] })).toBe('key-1') // a retry of the same submission
    expect(keys.keyFor({ ...base, description: '楼道灯坏了，三楼' })).toBe('key-2')
    expect(keys.keyFor({ ...base, description: '楼道灯坏了，三楼' })).toBe('key-2')
  })

  it('tells photos apart by name, size and date', () => {
    expect(appealFingerprint({ ...base, photos: [png('a.png')] })).not.toBe(appealFingerprint({ ...base, photos: [png('b.png')] }))
    expect(appealFingerprint({ ...base, photos: [png('a.png', 10)] })).not.toBe(appealFingerprint({ ...base, photos: [png('a.png', 11)] }))
  })

  it('makes a version 4 UUID the server accepts, also without crypto.randomUUID (plain http)', () => {
    const key = newIdempotencyKey({ getRandomValues: crypto.getRandomValues.bind(crypto) })
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(key).toMatch(/^[0-9A-Za-z_-]{16,64}$/)
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey())
  })
})

describe('tracking codes and times', () => {
  it('normalises what people type: case, dashes, spaces, full-width forms', () => {
    expect(normalizeTrackingCode('45pj6npe3wq')).toBe('45PJ-6NPE-3WQ')
    expect(normalizeTrackingCode(' 45PJ 6NPE-3wq ')).toBe('45PJ-6NPE-3WQ')
    expect(normalizeTrackingCode('４５ＰＪ－６ＮＰＥ－３ＷＱ')).toBe('45PJ-6NPE-3WQ')
    // Not 11 symbols: left for the server to refuse with its own words.
    expect(normalizeTrackingCode('45pj-6npe')).toBe('45PJ6NPE')
    expect(normalizeTrackingCode('  ')).toBe('')
  })

  it('turns Retry-After into whole minutes, at least one', () => {
    expect(retryAfterSeconds('300')).toBe(300)
    expect(retryAfterSeconds('Tue, 01 Dec 2026 04:10:00 GMT', Date.parse('2026-12-01T04:00:00Z'))).toBe(600)
    expect(retryAfterSeconds(null)).toBeUndefined()
    expect(retryMinutes(300)).toBe(5)
    expect(retryMinutes(301)).toBe(6)
    expect(retryMinutes(20)).toBe(1)
    expect(retryMinutes(undefined)).toBe(1)
  })

  it('steps through the loop: 上报 done when reported, all six when closed', () => {
    expect(progressActive('reported')).toBe(1)
    expect(progressActive('accepted')).toBe(3)
    expect(progressActive('closed')).toBe(6)
    expect(progressActive('cancelled')).toBe(0)
  })

  it('offers reopening only before reopen_until', () => {
    const now = new Date('2026-12-01T04:00:00Z')
    expect(residentActions({ can_rate: true, can_reopen: true, reopen_until: '2026-12-08T04:00:00Z' }, now)).toMatchObject({ rate: true, reopen: true })
    expect(residentActions({ can_rate: false, can_reopen: true, reopen_until: '2026-11-30T04:00:00Z' }, now)).toMatchObject({ rate: false, reopen: false })
    expect(residentActions({ can_rate: false, can_reopen: false, reopen_until: null }, now)).toMatchObject({ rate: false, reopen: false })
  })

  it('shows times in Beijing whatever the phone’s zone', () => {
    expect(beijingTime('2026-12-01T02:05:00Z', 'zh-CN')).toContain('10:05')
    expect(beijingTime('2026-12-01T17:30:00Z', 'en')).toContain('01:30')
    expect(beijingTime('2026-12-01T17:30:00Z', 'zh-CN')).toContain('2026/12/2')
    expect(beijingTime(null, 'zh-CN')).toBe('')
  })
})

describe('the public client', () => {
  function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
    return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } }))
  }

  it('sends an appeal as multipart with the key in a header and no credentials', async () => {
    const fetch = reply(201, { tracking_code: '45PJ-6NPE-3WQ', status_url: '/t/45PJ-6NPE-3WQ' })
    vi.stubGlobal('fetch', fetch)
    const photos = [png('a.png'), png('b.png')]
    const r = await publicApi.appeal('tok/1', { ...base, name: '王女士', phone: '13812345678', consent: true, photos }, 'k-123')
    expect(r.tracking_code).toBe('45PJ-6NPE-3WQ')
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/public/scans/tok%2F1/appeals')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('omit')
    const headers = init.headers as Record<string, string>
    expect(headers['Idempotency-Key']).toBe('k-123')
    expect(headers.Authorization).toBeUndefined()
    const form = init.body as FormData
    expect(form.get('category_id')).toBe('7')
    expect(form.get('description')).toBe('楼道灯坏了')
    expect(form.get('name')).toBe('王女士')
    expect(form.get('phone')).toBe('13812345678')
    expect(form.get('consent')).toBe('true')
    expect((form.getAll('photos') as File[]).map((f) => f.name)).toEqual(['a.png', 'b.png'])
  })

  it('says consent "false" when it is not given', () => {
    expect(appealForm(base).get('consent')).toBe('false')
  })

  it('carries a 429’s Retry-After on the error', async () => {
    vi.stubGlobal('fetch', reply(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '540' }))
    const err = (await publicApi.appeal('t', base, 'k').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(429)
    expect(err.retryAfter).toBe(540)
  })

  it('posts a rating and a reopening as JSON', async () => {
    const fetch = reply(200, { tracking_code: 'X' })
    vi.stubGlobal('fetch', fetch)
    await publicApi.rate('45PJ-6NPE-3WQ', 2, '没修好')
    await publicApi.reopen('45PJ-6NPE-3WQ', '灯还是不亮')
    const calls = fetch.mock.calls as unknown as [string, RequestInit][]
    expect(calls.map(([u, i]) => [u, i.method, JSON.parse(String(i.body))])).toEqual([
      ['/api/v1/public/tracking/45PJ-6NPE-3WQ/rating', 'POST', { score: 2, comment: '没修好' }],
      ['/api/v1/public/tracking/45PJ-6NPE-3WQ/reopen', 'POST', { reason: '灯还是不亮' }],
    ])
  })
})

// What the residents' pages (码上办) decide on their own: checking an appeal
// before it goes, one idempotency key per submission, tracking codes as
// people type them, the progress steps, and Beijing time.
import type { AppealInput } from './api/public'
import type { Tracking, TrackingStatus } from './api/types'

export const MAX_DESCRIPTION = 2000
export const MAX_PHOTOS = 3
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const
export const MAX_NAME = 40
export const MAX_COMMENT = 500
export const MAX_REASON = 500

/** The appeal's fields as the API names them (errors[].location "body.<field>"). */
export const APPEAL_FIELDS = ['category_id', 'description', 'name', 'phone', 'consent', 'photos'] as const
export type AppealField = (typeof APPEAL_FIELDS)[number]

/** As the server checks it, spaces and dashes aside: a mainland mobile (11 digits) or a landline with its area code. */
const PHONE = /^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[0-9]{7,8})$/

export const phoneOk = (phone: string) => PHONE.test(phone.replace(/[\s-]/g, ''))

/**
 * The page's own words (keys under residents.appeal.errors) for the server's
 * refusal of each field: the server speaks English, the page speaks the
 * resident's language.
 */
export const FIELD_MESSAGES: Record<AppealField, string> = {
  category_id: 'serviceRequired',
  description: 'descriptionLength',
  name: 'nameTooLong',
  phone: 'phoneInvalid',
  consent: 'consentRequired',
  photos: 'photosInvalid',
}

/** i18n keys (under residents.appeal.errors) of what is wrong before anything is sent; empty when the appeal may go. */
export function checkAppeal(input: Omit<AppealInput, 'categoryId'> & { categoryId: number | null }): Partial<Record<AppealField, string>> {
  const errors: Partial<Record<AppealField, string>> = {}
  if (!input.categoryId) errors.category_id = 'serviceRequired'
  const description = input.description.trim()
  if (!description) errors.description = 'descriptionRequired'
  else if ([...description].length > MAX_DESCRIPTION) errors.description = 'descriptionTooLong'
  if ([...input.name.trim()].length > MAX_NAME) errors.name = 'nameTooLong'
  const phone = input.phone.trim()
  if (phone && !phoneOk(phone)) errors.phone = 'phoneInvalid'
  else if (phone && !input.consent) errors.consent = 'consentRequired'
  if (input.photos.length > MAX_PHOTOS) errors.photos = 'tooManyPhotos'
  return errors
}

/** Why a picked file cannot go along (an i18n key under residents.appeal.errors), or null. */
export function photoProblem(file: Pick<File, 'type' | 'size'>): 'photoType' | 'photoSize' | null {
  if (!(PHOTO_TYPES as readonly string[]).includes(file.type)) return 'photoType'
  if (file.size > MAX_PHOTO_BYTES) return 'photoSize'
  return null
}

/** A random idempotency key; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function newIdempotencyKey(c: Pick<Crypto, 'getRandomValues'> & Partial<Pick<Crypto, 'randomUUID'>> = crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID()
  const b = c.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** What makes two submissions the same: every field and each photo's name, size and date. */
export function appealFingerprint(input: AppealInput): string {
  return JSON.stringify([
    input.categoryId,
    input.description.trim(),
    input.name.trim(),
    input.phone.trim(),
    input.consent,
    input.photos.map((p) => [p.name, p.size, p.lastModified, p.type]),
  ])
}

/**
 * One key per filled form: sending the same form again (a double tap, a
 * retry after the network dropped the answer) reuses it, so the server makes
 * one case; a changed form is a new submission with a new key.
 */
export function submissionKeys(generate: () => string = newIdempotencyKey) {
  let last: { fingerprint: string; key: string } | null = null
  return {
    keyFor(input: AppealInput): string {
      const fingerprint = appealFingerprint(input)
      if (last?.fingerprint !== fingerprint) last = { fingerprint, key: generate() }
      return last.key
    },
  }
}

/** Whole minutes to wait from a Retry-After in seconds: at least one. */
export function retryMinutes(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return 1
  return Math.max(1, Math.ceil(seconds / 60))
}

/**
 * A tracking code as typed, made canonical where that is certain: full-width
 * forms folded, spaces and dashes dropped, upper case, grouped 4-4-3 when it
 * has the 11 symbols of a code. The server checks the rest (Crockford's
 * I/L → 1, O → 0 and the check symbol).
 */
export function normalizeTrackingCode(typed: string): string {
  const folded = [...typed]
    .map((ch) => {
      const c = ch.codePointAt(0)!
      if (c >= 0xff01 && c <= 0xff5e) return String.fromCodePoint(c - 0xfee0)
      return ch
    })
    .join('')
  const compact = folded.replace(/[\s\u3000-]+/g, '').toUpperCase()
  return compact.length === 11 ? `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}` : compact
}

/** The loop as the resident follows it: 上报 → 分拨 → 受理 → 化解 → 确认 → 反馈. */
export const PROGRESS: readonly TrackingStatus[] = ['reported', 'dispatched', 'accepted', 'resolved', 'confirmed', 'closed']

/** Steps finished (el-steps' active): reported has 上报 done and 分拨 under way; closed has all six done. */
export function progressActive(status: TrackingStatus): number {
  const i = PROGRESS.indexOf(status)
  return i < 0 ? 0 : i + 1
}

/** Cancelled and merged cases leave the loop: the page says so instead of a stepper. */
export const offTheLoop = (status: TrackingStatus) => status === 'cancelled' || status === 'merged'

/** Whether the rating form and the reopen button show, and until when reopening is open. */
export function residentActions(t: Pick<Tracking, 'can_rate' | 'can_reopen' | 'reopen_until'>, now: Date = new Date()) {
  const until = t.reopen_until ? new Date(t.reopen_until) : null
  return {
    rate: t.can_rate,
    reopen: t.can_reopen && (!until || Number.isNaN(until.getTime()) || until > now),
    reopenUntil: until,
  }
}

/** A time in Beijing (UTC+8), whatever the phone's time zone; the page labels it as Beijing time. */
export function beijingTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d)
}

// The contact fields of an invitation (street or county): an email, a mobile
// number, or both, which become the person's sign-in identifiers.
import type { FormItemRule } from 'element-plus'
import { normalizePhone } from './identity/flow'

export interface ContactForm {
  email: string
  phone: string
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

type Translate = (key: string) => string

/** The message for one contact field; "one of the two" is said once, under the email. */
export function contactError(form: ContactForm, field: 'email' | 'phone', t: Translate): string {
  const email = form.email.trim()
  const phone = form.phone.trim()
  if (field === 'email' && !email && !phone) return t('staff.contactRequired')
  if (field === 'email' && email && !EMAIL.test(email)) return t('staff.emailInvalid')
  if (field === 'phone' && phone && !normalizePhone(phone)) return t('staff.phoneInvalid')
  return ''
}

/** el-form rules for email and phone: at least one, each well-formed. The form re-checks the email when the phone changes. */
export function contactRules(form: ContactForm, t: Translate): Record<'email' | 'phone', FormItemRule[]> {
  const rule = (field: 'email' | 'phone'): FormItemRule => ({
    validator: (_rule, _value, callback) => {
      const message = contactError(form, field, t)
      return message ? callback(new Error(message)) : callback()
    },
    trigger: 'blur',
  })
  return { email: [rule('email')], phone: [rule('phone')] }
}

/** The contact as the API wants it: the email lower-cased, the phone in E.164 (+86… for a Chinese mobile). */
export function normalizedContact(form: ContactForm): { email?: string; phone?: string } {
  const email = form.email.trim().toLowerCase()
  const phone = normalizePhone(form.phone) ?? undefined
  return { ...(email ? { email } : {}), ...(phone ? { phone } : {}) }
}

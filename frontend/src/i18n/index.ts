import { createI18n } from 'vue-i18n'
import en from './en'
import zhCN from './zh-CN'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

const LOCALE_STORAGE = 'fengqiao.locale'

function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_STORAGE)
  return LOCALES.includes(saved as Locale) ? (saved as Locale) : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(LOCALE_STORAGE, locale)
  document.documentElement.lang = locale
}

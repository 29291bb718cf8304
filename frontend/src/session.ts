// Who the app is connected as: the API key (kept in localStorage) and the
// /me answer for it. Replaced by staff sign-in in the next milestone.
import { reactive } from 'vue'
import { api } from './api'
import type { Problem, Me } from './api/types'

export const KEY_STORAGE = 'fengqiao.apiKey'

/** The key from a "#key=…" fragment, as printed by the dev server; null when absent. */
export function keyFromFragment(hash: string): string | null {
  for (const part of hash.replace(/^#/, '').split('&')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq) !== 'key') continue
    let value: string
    try {
      // decodeURIComponent rather than URLSearchParams: a '+' in a key must stay a '+'.
      value = decodeURIComponent(part.slice(eq + 1)).trim()
    } catch {
      return null
    }
    return value || null
  }
  return null
}

/**
 * Moves a key from the URL fragment into storage and strips the fragment, so
 * the key neither stays in the address bar nor lands in the history.
 */
export function adoptKeyFromUrl(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, storage: Storage, history: History): boolean {
  const key = keyFromFragment(loc.hash)
  if (!key) return false
  storage.setItem(KEY_STORAGE, key)
  history.replaceState(history.state, '', loc.pathname + loc.search)
  return true
}

export const session = reactive({
  apiKey: null as string | null,
  me: null as Me | null,
  /** Why the last /me for the stored key failed (other than 401), shown on the connect page. */
  lastError: null as Problem | null,
})

export function setKey(key: string, me: Me): void {
  localStorage.setItem(KEY_STORAGE, key)
  session.apiKey = key
  session.me = me
  session.lastError = null
}

export function disconnect(): void {
  localStorage.removeItem(KEY_STORAGE)
  session.apiKey = null
  session.me = null
}

/** Called once at start-up, before the router reads the URL. */
export function initSession(): void {
  adoptKeyFromUrl(window.location, localStorage, window.history)
  session.apiKey = localStorage.getItem(KEY_STORAGE)
}

/** Loads /me for the stored key; a 401 is left to the caller (the router guard). */
export async function loadMe(): Promise<Me> {
  session.me = await api.me(session.apiKey ?? '')
  session.lastError = null
  return session.me
}

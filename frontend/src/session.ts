// Who the app talks to the API as: a staff session (the fengqiao_session cookie,
// set by signing in through Kratos) or an API key (kept in localStorage; sent
// as a Bearer header, which then takes precedence over the cookie), and the
// /me answer for it.
import { reactive } from 'vue'
import { api } from './api'
import { ApiError } from './api/client'
import type { Me, Problem } from './api/types'
import { kratos } from './identity/kratos'

export const KEY_STORAGE = 'fengqiao.apiKey'
/** Where to go after signing in: the page that sent the user to /signin. */
export const RETURN_STORAGE = 'fengqiao.returnTo'

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
  /** Why the last /me failed (other than 401), shown on the sign-in page. */
  lastError: null as Problem | null,
})

export function setKey(key: string, me: Me): void {
  localStorage.setItem(KEY_STORAGE, key)
  session.apiKey = key
  session.me = me
  session.lastError = null
}

/** Forgets the API key and who we were; a session cookie, if any, is left to signOut(). */
export function disconnect(): void {
  localStorage.removeItem(KEY_STORAGE)
  session.apiKey = null
  session.me = null
}

/** Ends whatever the app is connected with: the key is forgotten, a staff session is revoked at Kratos. */
export async function signOut(): Promise<void> {
  const wasSession = session.me?.credential === 'session'
  disconnect()
  if (wasSession) await kratos.logout()
}

/** After signing in with a password: the session must not be shadowed by an old key. */
export function forgetKey(): void {
  localStorage.removeItem(KEY_STORAGE)
  session.apiKey = null
  session.me = null
  session.lastError = null
}

/** Called once at start-up, before the router reads the URL. */
export function initSession(): void {
  adoptKeyFromUrl(window.location, localStorage, window.history)
  session.apiKey = localStorage.getItem(KEY_STORAGE)
}

/**
 * Loads /me with the stored key, or else the session cookie. A stored key the
 * server rejects is dropped and the cookie tried instead; a 401 after that is
 * left to the caller (the router guard).
 */
export async function loadMe(): Promise<Me> {
  try {
    session.me = await api.me(session.apiKey ?? undefined)
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401 && session.apiKey)) throw e
    disconnect()
    session.me = await api.me()
  }
  session.lastError = null
  return session.me
}

export function rememberReturn(path: string, storage: Storage = sessionStorage): void {
  if (path.startsWith('/') && !path.startsWith('//')) storage.setItem(RETURN_STORAGE, path)
}

/** The page to open after signing in: the redirect query if sane, else the remembered one, else home. */
export function takeReturn(query: unknown, storage: Storage = sessionStorage): string {
  const stored = storage.getItem(RETURN_STORAGE)
  storage.removeItem(RETURN_STORAGE)
  for (const candidate of [query, stored]) {
    if (typeof candidate === 'string' && candidate.startsWith('/') && !candidate.startsWith('//') && !isAuthPath(candidate)) {
      return candidate
    }
  }
  return '/'
}

/** Pages that only make sense on the way in; never a place to return to. */
function isAuthPath(path: string): boolean {
  return /^\/(signin|connect|recover|error)(?:[/?#]|$)/.test(path)
}

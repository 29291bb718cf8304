// Ory Kratos browser flows, SPA style: JSON in and out, cookies included. The
// Fengqiao server proxies Kratos's public API under /identity/ on its own
// origin, so the session cookie (fengqiao_session) needs no CORS.

export const IDENTITY_BASE = '/identity'

/** A message Kratos shows: a stable id, its English text and the values the text was built from. */
export interface UiText {
  id: number
  text: string
  type: 'info' | 'error' | 'success' | string
  context?: Record<string, unknown>
}

export interface UiInputAttributes {
  node_type: 'input'
  name: string
  type: string
  value?: unknown
  required?: boolean
  disabled?: boolean
  autocomplete?: string
  pattern?: string
  maxlength?: number
  label?: UiText
}

export interface UiTextAttributes {
  node_type: 'text'
  id: string
  text: UiText
}

export interface UiAnchorAttributes {
  node_type: 'a'
  id: string
  href: string
  title: UiText
}

/** img and script nodes (TOTP QR codes, WebAuthn) are not used here and are not rendered. */
export interface UiOtherAttributes {
  node_type: 'img' | 'script' | string
  id?: string
  [key: string]: unknown
}

export type UiNodeAttributes = UiInputAttributes | UiTextAttributes | UiAnchorAttributes | UiOtherAttributes

export interface UiNode {
  type: string
  group: string
  attributes: UiNodeAttributes
  messages?: UiText[] | null
  meta?: { label?: UiText }
}

export interface UiContainer {
  action: string
  method: string
  nodes: UiNode[]
  messages?: UiText[] | null
}

export interface Flow {
  id: string
  type?: string
  state?: string
  return_to?: string
  expires_at?: string
  ui: UiContainer
}

export interface KratosErrorBody {
  id?: string
  code?: number
  status?: string
  reason?: string
  message?: string
}

/** Kratos's self-service error (GET /self-service/errors?id=…). */
export interface FlowError {
  id: string
  error?: KratosErrorBody
}

/** What a call to a flow endpoint came to. */
export type FlowResult =
  /** The flow to render: a new or fetched flow, a form with errors (400), or a finished settings flow (state success). */
  | { kind: 'flow'; status: number; flow: Flow }
  /** The browser has to go to another page (422 browser_location_change_required, or a 403 asking to sign in again). */
  | { kind: 'redirect'; status: number; to: string }
  /** The flow expired (410): start a new one. */
  | { kind: 'expired'; status: number }
  /** A finished flow without a form, e.g. a successful login ({ session, … }). */
  | { kind: 'done'; status: number; body: unknown }
  /** Anything else: no session (401 session_inactive), already signed in (400 session_already_available), a missing flow, … */
  | { kind: 'error'; status: number; error: KratosErrorBody }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function isFlow(v: unknown): v is Flow {
  return isObject(v) && isObject(v.ui) && Array.isArray((v.ui as Record<string, unknown>).nodes)
}

/** Sorts a Kratos answer into what the page has to do next. */
export function classify(status: number, body: unknown): FlowResult {
  if (isObject(body) && typeof body.redirect_browser_to === 'string' && body.redirect_browser_to) {
    return { kind: 'redirect', status, to: body.redirect_browser_to }
  }
  if (status === 410) return { kind: 'expired', status }
  if (isFlow(body)) return { kind: 'flow', status, flow: body }
  if (status >= 200 && status < 300) return { kind: 'done', status, body }
  const error = isObject(body) && isObject(body.error) ? (body.error as KratosErrorBody) : {}
  return { kind: 'error', status, error: { ...error, code: error.code ?? status } }
}

/**
 * Flow actions are absolute URLs on Kratos's configured base URL. Posting to the
 * same path on the origin the app was loaded from keeps the request same-origin
 * (and so the cookies and no CORS) even when the app is opened under another
 * host name, e.g. localhost instead of 127.0.0.1.
 */
export function sameOriginAction(action: string, origin = window.location.origin): string {
  try {
    const url = new URL(action, origin)
    if (url.origin === origin || url.pathname.startsWith(`${IDENTITY_BASE}/`)) return url.pathname + url.search
  } catch {
    // not a URL: use as is
  }
  return action
}

async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<FlowResult> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(url, { method, headers, credentials: 'include', body: body === undefined ? undefined : JSON.stringify(body) })
  } catch (e) {
    return { kind: 'error', status: 0, error: { id: 'network', message: e instanceof Error ? e.message : String(e) } }
  }
  const text = await res.text()
  let parsed: unknown = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (parsed === undefined && !res.ok) {
    // The proxy's own answers, e.g. 503 when Kratos is down, or HTML from elsewhere.
    return { kind: 'error', status: res.status, error: { code: res.status, reason: text.trim().startsWith('<') ? undefined : text.trim() } }
  }
  return classify(res.status, parsed)
}

const enc = encodeURIComponent

export type FlowType = 'login' | 'recovery' | 'settings'

export const kratos = {
  /** Starts a browser flow; Kratos also sets the CSRF cookie. */
  create: (type: FlowType, returnTo?: string) =>
    call('GET', `${IDENTITY_BASE}/self-service/${type}/browser${returnTo ? `?return_to=${enc(returnTo)}` : ''}`),
  /** Fetches a flow Kratos sent the browser here with (?flow=…). */
  get: (type: FlowType, id: string) => call('GET', `${IDENTITY_BASE}/self-service/${type}/flows?id=${enc(id)}`),
  submit: (flow: Flow, body: Record<string, unknown>) => call('POST', sameOriginAction(flow.ui.action), body),
  error: async (id: string): Promise<FlowError | null> => {
    const r = await call('GET', `${IDENTITY_BASE}/self-service/errors?id=${enc(id)}`)
    return r.kind === 'done' && isObject(r.body) ? (r.body as unknown as FlowError) : null
  },
  /**
   * Ends the session: Kratos hands out a logout token, then revokes the session
   * and clears the cookie. False when Kratos could not be reached; no session is fine.
   */
  logout: async (): Promise<boolean> => {
    const r = await call('GET', `${IDENTITY_BASE}/self-service/logout/browser`)
    if (r.kind !== 'done') return r.status === 401
    const token = isObject(r.body) ? r.body.logout_token : undefined
    if (typeof token !== 'string') return false
    const out = await call('GET', `${IDENTITY_BASE}/self-service/logout?token=${enc(token)}`)
    return out.kind === 'done' || out.kind === 'redirect' || out.status === 401
  },
}

/** Full page navigation, behind an object so that tests can replace it. */
export const browser = {
  go(url: string): void {
    window.location.assign(url)
  },
}

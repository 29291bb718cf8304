import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  csrfToken,
  fieldNodes,
  flowBody,
  hasErrors,
  initialValues,
  normalizeIdentifier,
  normalizePhone,
  submitNodes,
  submitterMethod,
} from '../src/identity/flow'
import { classify, kratos, sameOriginAction, type Flow } from '../src/identity/kratos'
import { KNOWN_MESSAGE_IDS, kratosErrorText, kratosText, messageKey, nodeLabel } from '../src/identity/messages'
import { i18n, setLocale } from '../src/i18n'
import en from '../src/i18n/en'
import zhCN from '../src/i18n/zh-CN'

// A login flow as Kratos v1.3.1 returns it (trimmed), after a failed attempt.
const loginFlow: Flow = {
  id: 'b712d0e3',
  type: 'browser',
  state: 'choose_method',
  ui: {
    action: 'http://127.0.0.1:8080/identity/self-service/login?flow=b712d0e3',
    method: 'POST',
    messages: [{ id: 4000006, text: 'The provided credentials are invalid, check for spelling mistakes…', type: 'error' }],
    nodes: [
      { type: 'input', group: 'default', attributes: { name: 'csrf_token', type: 'hidden', value: 'tok==', required: true, node_type: 'input' }, messages: [], meta: {} },
      {
        type: 'input',
        group: 'default',
        attributes: { name: 'identifier', type: 'text', value: 'wang@example.org', required: true, node_type: 'input' },
        messages: [],
        meta: { label: { id: 1070004, text: 'ID', type: 'info' } },
      },
      {
        type: 'input',
        group: 'password',
        attributes: { name: 'password', type: 'password', required: true, autocomplete: 'current-password', node_type: 'input' },
        messages: [],
        meta: { label: { id: 1070001, text: 'Password', type: 'info' } },
      },
      {
        type: 'input',
        group: 'password',
        attributes: { name: 'method', type: 'submit', value: 'password', node_type: 'input' },
        messages: [],
        meta: { label: { id: 1010022, text: 'Sign in with password', type: 'info' } },
      },
      // A group this page does not submit: its fields must not be sent with the password.
      {
        type: 'input',
        group: 'code',
        attributes: { name: 'code', type: 'text', node_type: 'input' },
        messages: [],
        meta: { label: { id: 1070013, text: 'Login code', type: 'info' } },
      },
    ],
  },
}

// An invitation's recovery flow: made by the admin API, so without csrf_token.
const recoveryFlow: Flow = {
  id: 'c443',
  state: 'sent_email',
  ui: {
    action: 'http://127.0.0.1:8080/identity/self-service/recovery?flow=c443',
    method: 'POST',
    nodes: [
      {
        type: 'input',
        group: 'code',
        attributes: { name: 'code', type: 'text', required: true, pattern: '[0-9]+', maxlength: 6, node_type: 'input' },
        messages: [],
        meta: { label: { id: 1070010, text: 'Recovery code', type: 'info' } },
      },
      { type: 'input', group: 'code', attributes: { name: 'method', type: 'submit', value: 'code', node_type: 'input' }, messages: [], meta: {} },
    ],
  },
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  setLocale('zh-CN')
})

describe('flow nodes', () => {
  it('finds the CSRF token, and none in admin-made flows', () => {
    expect(csrfToken(loginFlow)).toBe('tok==')
    expect(csrfToken(recoveryFlow)).toBeUndefined()
  })

  it('shows inputs but neither hidden inputs nor buttons as fields', () => {
    expect(fieldNodes(loginFlow.ui.nodes).map((n) => n.attributes.name)).toEqual(['identifier', 'password', 'code'])
    expect(submitNodes(loginFlow.ui.nodes).map((n) => n.attributes.value)).toEqual(['password'])
  })

  it('starts from the values Kratos filled in', () => {
    expect(initialValues(loginFlow.ui.nodes)).toEqual({ identifier: 'wang@example.org', password: '', code: '' })
  })

  it('serialises the method group with the CSRF token and the method', () => {
    const button = submitNodes(loginFlow.ui.nodes)[0]
    expect(submitterMethod(button)).toBe('password')
    expect(flowBody(loginFlow, button, { identifier: '+8613800138000', password: 'secret-pass', code: '123' })).toEqual({
      csrf_token: 'tok==',
      identifier: '+8613800138000',
      password: 'secret-pass',
      method: 'password',
    })
  })

  it('sends a recovery code without a CSRF token when the flow has none', () => {
    expect(flowBody(recoveryFlow, 'code', { code: '119731' })).toEqual({ code: '119731', method: 'code' })
  })

  it('sends the name and value of a button other than "method"', () => {
    const resend = { type: 'input', group: 'code', attributes: { name: 'email', type: 'submit', value: 'a@b.org', node_type: 'input' as const } }
    expect(flowBody(recoveryFlow, resend, {})).toEqual({ email: 'a@b.org', method: 'code' })
  })

  it('knows when a flow came back with errors', () => {
    expect(hasErrors(loginFlow)).toBe(true)
    expect(hasErrors(recoveryFlow)).toBe(false)
  })
})

describe('normalizeIdentifier', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    [' 138 0013 8000 ', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['+85291234567', '+85291234567'],
    ['Wang.Qiang@Example.ORG ', 'wang.qiang@example.org'],
    ['12345', '12345'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(normalizeIdentifier(input)).toBe(expected)
  })

  it('accepts only E.164 numbers as phones', () => {
    expect(normalizePhone('13800138000')).toBe('+8613800138000')
    expect(normalizePhone('0539-1234567')).toBeNull()
    expect(normalizePhone('a@b.org')).toBeNull()
  })
})

describe('Kratos messages', () => {
  it('maps known ids to Chinese, with the context filled in', () => {
    expect(kratosText({ id: 4000006, text: 'The provided credentials are invalid', type: 'error' })).toBe('账号或密码不正确，请检查后重试。')
    expect(
      kratosText({ id: 4000032, text: 'too short', type: 'error', context: { min_length: 8, actual_length: 5 } }),
    ).toBe('密码至少需要 8 个字符，当前为 5 个。')
    expect(kratosText({ id: 4060006, text: 'invalid code', type: 'error' })).toBe('验证码无效或已被使用，请核对后重试。')
  })

  it('falls back to the text Kratos sends for ids it does not know', () => {
    expect(kratosText({ id: 4999999, text: 'Something new from Kratos', type: 'error' })).toBe('Something new from Kratos')
  })

  it('follows the UI language', () => {
    setLocale('en')
    expect(kratosText({ id: 4000006, text: 'x', type: 'error' })).toBe('The account or password is incorrect. Check them and try again.')
  })

  it('labels nodes by their label id', () => {
    expect(nodeLabel(loginFlow.ui.nodes[1])).toBe('邮箱或手机号')
    expect(nodeLabel(loginFlow.ui.nodes[2])).toBe('密码')
    expect(nodeLabel(loginFlow.ui.nodes[0])).toBe('csrf_token')
  })

  it('has a message for every known id in both languages', () => {
    const zh = zhCN.kratos.messages as Record<string, string>
    const enMessages = en.kratos.messages as Record<string, string>
    for (const id of KNOWN_MESSAGE_IDS) {
      const key = messageKey(id).split('.').pop()!
      expect(zh[key], `zh-CN ${key}`).toBeTruthy()
      expect(enMessages[key], `en ${key}`).toBeTruthy()
    }
    expect(Object.keys(zh).length).toBe(KNOWN_MESSAGE_IDS.length)
  })

  it('maps error ids, else the reason, else a generic message', () => {
    expect(kratosErrorText('session_inactive')).toBe('登录已失效，请重新登录。')
    expect(kratosErrorText('unheard_of', 'a reason')).toBe('a reason')
    expect(kratosErrorText(undefined)).toBe(i18n.global.t('kratos.errors.generic'))
  })
})

describe('classify', () => {
  it('follows 422 browser_location_change_required', () => {
    const body = {
      error: { id: 'browser_location_change_required', code: 422 },
      redirect_browser_to: 'http://127.0.0.1:8080/account?flow=ca96',
    }
    expect(classify(422, body)).toEqual({ kind: 'redirect', status: 422, to: 'http://127.0.0.1:8080/account?flow=ca96' })
  })

  it('follows a 403 that asks to sign in again', () => {
    const r = classify(403, { error: { id: 'session_refresh_required' }, redirect_browser_to: '/identity/self-service/login/browser?refresh=true' })
    expect(r.kind).toBe('redirect')
  })

  it('renders a flow that came back with errors (400) or finished (200, state success)', () => {
    expect(classify(400, loginFlow)).toMatchObject({ kind: 'flow', status: 400 })
    expect(classify(200, { ...recoveryFlow, state: 'success' })).toMatchObject({ kind: 'flow', flow: { state: 'success' } })
  })

  it('treats 410 as an expired flow', () => {
    expect(classify(410, { error: { id: 'self_service_flow_expired' }, use_flow_id: 'x' })).toEqual({ kind: 'expired', status: 410 })
  })

  it('reports a successful login and Kratos errors', () => {
    expect(classify(200, { session: { id: 's' } })).toMatchObject({ kind: 'done' })
    expect(classify(400, { error: { id: 'session_already_available', code: 400 } })).toEqual({
      kind: 'error',
      status: 400,
      error: { id: 'session_already_available', code: 400 },
    })
    expect(classify(401, undefined)).toEqual({ kind: 'error', status: 401, error: { code: 401 } })
  })
})

describe('kratos calls', () => {
  it('posts the flow action same-origin, as JSON, with cookies', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ session: {} }), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    const r = await kratos.submit(loginFlow, { method: 'password' })
    expect(r.kind).toBe('done')
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/identity/self-service/login?flow=b712d0e3')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('include')
    expect((init.headers as Record<string, string>).Accept).toBe('application/json')
    expect(init.body).toBe('{"method":"password"}')
  })

  it('keeps actions elsewhere as they are', () => {
    expect(sameOriginAction('https://auth.example.org/self-service/login?flow=1', 'http://127.0.0.1:8080')).toBe(
      'https://auth.example.org/self-service/login?flow=1',
    )
    expect(sameOriginAction('http://127.0.0.1:8080/identity/x?flow=1', 'http://localhost:8080')).toBe('/identity/x?flow=1')
  })

  it('signs out with the logout token', async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(new Response(JSON.stringify({ logout_url: 'http://x/identity/self-service/logout?token=t1', logout_token: 't1' })))
      .mockResolvedValueOnce(new Response(null, { status: 204 }))
    vi.stubGlobal('fetch', fetch)
    expect(await kratos.logout()).toBe(true)
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/identity/self-service/logout/browser', '/identity/self-service/logout?token=t1'])
  })

  it('turns a proxy failure into an error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('upstream down', { status: 502 })))
    expect(await kratos.create('login')).toEqual({ kind: 'error', status: 502, error: { code: 502, reason: 'upstream down' } })
  })
})

import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { api } from '../src/api'
import type { Me } from '../src/api/types'
import KratosFlowForm from '../src/components/KratosFlowForm.vue'
import { browser, kratos, type Flow } from '../src/identity/kratos'
import { i18n } from '../src/i18n'
import RecoverView from '../src/views/RecoverView.vue'
import SigninView from '../src/views/SigninView.vue'
import { KEY_STORAGE, RETURN_STORAGE, session } from '../src/session'

const loginFlow: Flow = {
  id: 'f1',
  ui: {
    action: 'http://127.0.0.1:8080/identity/self-service/login?flow=f1',
    method: 'POST',
    nodes: [
      { type: 'input', group: 'default', attributes: { name: 'csrf_token', type: 'hidden', value: 'tok', node_type: 'input' } },
      { type: 'input', group: 'default', attributes: { name: 'identifier', type: 'text', value: '', required: true, node_type: 'input' }, meta: { label: { id: 1070004, text: 'ID', type: 'info' } } },
      { type: 'input', group: 'password', attributes: { name: 'password', type: 'password', required: true, node_type: 'input' }, meta: { label: { id: 1070001, text: 'Password', type: 'info' } } },
      { type: 'input', group: 'password', attributes: { name: 'method', type: 'submit', value: 'password', node_type: 'input' }, meta: { label: { id: 1010022, text: 'Sign in with password', type: 'info' } } },
    ],
  },
}

const failedFlow: Flow = {
  ...loginFlow,
  ui: { ...loginFlow.ui, messages: [{ id: 4000006, text: 'The provided credentials are invalid', type: 'error' }] },
}

const recoveryFlow: Flow = {
  id: 'r1',
  ui: {
    action: 'http://127.0.0.1:8080/identity/self-service/recovery?flow=r1',
    method: 'POST',
    nodes: [
      { type: 'input', group: 'code', attributes: { name: 'code', type: 'text', required: true, maxlength: 6, node_type: 'input' }, meta: { label: { id: 1070010, text: 'Recovery code', type: 'info' } } },
      { type: 'input', group: 'code', attributes: { name: 'method', type: 'submit', value: 'code', node_type: 'input' }, meta: { label: { id: 1070009, text: 'Continue', type: 'info' } } },
    ],
  },
}

const me: Me = {
  credential: 'session',
  name: '李娜',
  county: { id: 1, code: '371326', name: '平邑县' },
  county_wide: false,
  memberships: [{ id: 1, role: 'grid_worker', tenant_code: '371326106', node_id: 2039 }],
  streets: ['371326106'],
}

function testRouter(path: string): Router {
  const stub = { template: '<div />' }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/signin', name: 'signin', component: stub },
      { path: '/connect', name: 'connect', component: stub },
      { path: '/recover', name: 'recover', component: stub },
      { path: '/account', name: 'account', component: stub },
      { path: '/:rest(.*)*', name: 'any', component: stub },
    ],
  })
  void router.push(path)
  return router
}

async function mountWith(component: unknown, path: string) {
  const router = testRouter(path)
  await router.isReady()
  const wrapper = mount(component as never, { global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

const input = (testid: string) => document.querySelector<HTMLInputElement>(`[data-testid="${testid}"]`)!
const click = async (testid: string) => {
  document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)!.click()
  await flushPromises()
}
async function type(testid: string, value: string) {
  const el = input(testid)
  el.value = value
  el.dispatchEvent(new Event('input'))
  await flushPromises()
}

beforeEach(() => {
  localStorage.clear()
  sessionStorage.clear()
  session.apiKey = null
  session.me = null
  session.lastError = null
})

afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('KratosFlowForm', () => {
  it('renders the inputs by name and type, hides the CSRF token and emits the pressed button', async () => {
    const wrapper = mount(KratosFlowForm, {
      props: { flow: failedFlow, groups: ['password'], fields: { identifier: { testid: 'id-input' } }, submits: { password: { testid: 'go' } } },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    expect(input('id-input').type).toBe('text')
    expect(input('flow-password').type).toBe('password')
    expect(document.querySelector('input[name="csrf_token"]')).toBeNull()
    expect(document.querySelector('[data-testid="flow-message"]')?.textContent).toContain('账号或密码不正确')
    expect(document.body.textContent).toContain('邮箱或手机号')
    await click('go')
    const [submitter, values] = wrapper.emitted('submit')![0] as [{ attributes: { value: string } }, Record<string, string>]
    expect(submitter.attributes.value).toBe('password')
    expect(values).toEqual({ identifier: '', password: '' })
  })
})

describe('SigninView', () => {
  it('signs in with a normalised phone number and the CSRF token, then opens the page the user wanted', async () => {
    sessionStorage.setItem(RETURN_STORAGE, '/streets/371326106?tab=categories')
    localStorage.setItem(KEY_STORAGE, 'old-key')
    session.apiKey = 'old-key'
    vi.spyOn(kratos, 'create').mockResolvedValue({ kind: 'flow', status: 200, flow: loginFlow })
    const submit = vi.spyOn(kratos, 'submit').mockResolvedValue({ kind: 'done', status: 200, body: { session: {} } })
    const getMe = vi.spyOn(api, 'me').mockResolvedValue(me)
    const { router } = await mountWith(SigninView, '/signin')

    await type('signin-identifier', '138 0013 8000')
    await type('signin-password', 'Fq-e2e-pass-2026')
    await click('signin-submit')

    expect(submit).toHaveBeenCalledWith(loginFlow, { csrf_token: 'tok', identifier: '+8613800138000', password: 'Fq-e2e-pass-2026', method: 'password' })
    // The old key would shadow the new session.
    expect(localStorage.getItem(KEY_STORAGE)).toBeNull()
    expect(getMe).toHaveBeenCalledWith(undefined)
    expect(router.currentRoute.value.fullPath).toBe('/streets/371326106?tab=categories')
  })

  it('shows Kratos messages in Chinese when the password is wrong', async () => {
    vi.spyOn(kratos, 'create').mockResolvedValue({ kind: 'flow', status: 200, flow: loginFlow })
    vi.spyOn(kratos, 'submit').mockResolvedValue({ kind: 'flow', status: 400, flow: failedFlow })
    await mountWith(SigninView, '/signin')
    await type('signin-identifier', 'wang@example.org')
    await type('signin-password', 'wrong-password')
    await click('signin-submit')
    expect(document.querySelector('[data-testid="flow-message"]')?.textContent).toContain('账号或密码不正确')
  })

  it('starts a new flow when the old one expired', async () => {
    const create = vi.spyOn(kratos, 'create').mockResolvedValue({ kind: 'flow', status: 200, flow: loginFlow })
    vi.spyOn(kratos, 'submit').mockResolvedValue({ kind: 'expired', status: 410 })
    await mountWith(SigninView, '/signin')
    await type('signin-identifier', 'wang@example.org')
    await type('signin-password', 'whatever-1')
    await click('signin-submit')
    expect(create).toHaveBeenCalledTimes(2)
    expect(document.body.textContent).toContain('登录页面已过期')
  })

  it('goes where Kratos says on 422 browser_location_change_required', async () => {
    vi.spyOn(kratos, 'create').mockResolvedValue({ kind: 'flow', status: 200, flow: loginFlow })
    vi.spyOn(kratos, 'submit').mockResolvedValue({ kind: 'redirect', status: 422, to: 'http://127.0.0.1:8080/account?flow=s1' })
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {})
    await mountWith(SigninView, '/signin')
    await type('signin-identifier', 'wang@example.org')
    await type('signin-password', 'whatever-1')
    await click('signin-submit')
    expect(go).toHaveBeenCalledWith('http://127.0.0.1:8080/account?flow=s1')
  })

  it('loads the flow Kratos sent the browser here with', async () => {
    const get = vi.spyOn(kratos, 'get').mockResolvedValue({ kind: 'flow', status: 200, flow: loginFlow })
    const create = vi.spyOn(kratos, 'create')
    await mountWith(SigninView, '/signin?flow=f1')
    expect(get).toHaveBeenCalledWith('login', 'f1')
    expect(create).not.toHaveBeenCalled()
  })
})

describe('RecoverView', () => {
  it('says where the code goes, submits it and follows the redirect to /account', async () => {
    const get = vi.spyOn(kratos, 'get').mockResolvedValue({ kind: 'flow', status: 200, flow: recoveryFlow })
    const submit = vi.spyOn(kratos, 'submit').mockResolvedValue({
      kind: 'redirect',
      status: 422,
      to: 'http://127.0.0.1:8080/account?flow=s9',
    })
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {})
    await mountWith(RecoverView, '/recover?flow=r1')
    expect(get).toHaveBeenCalledWith('recovery', 'r1')
    expect(document.querySelector('[data-testid="recover-intro"]')?.textContent).toContain('请输入管理员提供的 6 位验证码')

    await type('recover-code', ' 119731 ')
    await click('recover-submit')
    expect(submit).toHaveBeenCalledWith(recoveryFlow, { code: '119731', method: 'code' })
    expect(go).toHaveBeenCalledWith('http://127.0.0.1:8080/account?flow=s9')
  })

  it('checks the code has 6 digits before sending it', async () => {
    vi.spyOn(kratos, 'get').mockResolvedValue({ kind: 'flow', status: 200, flow: recoveryFlow })
    const submit = vi.spyOn(kratos, 'submit')
    await mountWith(RecoverView, '/recover?flow=r1')
    await type('recover-code', '12')
    await click('recover-submit')
    expect(submit).not.toHaveBeenCalled()
    expect(document.querySelector('[data-testid="recover-error"]')?.textContent).toContain('6 位验证码')
  })

  it('tells the person to ask for a new invitation when the link is dead', async () => {
    vi.spyOn(kratos, 'get').mockResolvedValue({ kind: 'error', status: 404, error: { id: 'not_found' } })
    await mountWith(RecoverView, '/recover?flow=gone')
    expect(document.querySelector('[data-testid="recover-error"]')?.textContent).toContain('重新邀请')
    expect(document.querySelector('[data-testid="recover-code"]')).toBeNull()
  })
})

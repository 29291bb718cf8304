// The residents' pages (码上办) in the whole app, with fetch mocked: the appeal
// page a QR code opens and the status page of a tracking code. No staff
// header, no sign-in; consent before a phone number; one idempotency key per
// submission; refusals by the field, and nothing typed is lost.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createMemoryHistory, type Router } from 'vue-router'
import { api } from '../src/api'
import type { Scan, Tracking } from '../src/api/types'
import App from '../src/App.vue'
import { i18n } from '../src/i18n'
import { createAppRouter } from '../src/router'
import { session } from '../src/session'

const TOKEN = 'q7Xk2mP9sT4vW8yZ'
const CODE = '45PJ-6NPE-3WQ'

const live: Scan = {
  status: 'live',
  street: '平邑街道',
  place: '东关社区 第1网格 1号楼',
  services: [
    { category_id: 11, name: '信访诉求' },
    { category_id: 12, name: '纠纷化解' },
    { category_id: 13, name: '法律服务' },
  ],
}

const tracking = (t: Partial<Tracking> = {}): Tracking => ({
  tracking_code: CODE,
  status: 'dispatched',
  service: '纠纷化解',
  place: '东关社区 第1网格 1号楼',
  description: '楼上漏水到我家',
  reported_at: '2026-12-01T01:00:00Z',
  expected_completion: '2026-12-03T02:05:00Z',
  department: '司法所',
  result: null,
  answer: null,
  timeline: [
    { at: '2026-12-01T01:00:00Z', action: 'report', status: 'reported', note: null },
    { at: '2026-12-01T01:10:00Z', action: 'dispatch', status: 'dispatched', note: null },
  ],
  rating: null,
  can_rate: false,
  can_reopen: false,
  reopen_until: null,
  ...t,
})

interface Call {
  method: string
  url: string
  headers: Record<string, string>
  body: BodyInit | null | undefined
}

type Handler = (c: Call) => Response | Promise<Response>
let calls: Call[] = []

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } })

function serve(handler: Handler) {
  calls = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const c = { method: init.method ?? 'GET', url, headers: (init.headers ?? {}) as Record<string, string>, body: init.body }
      calls.push(c)
      return handler(c)
    }),
  )
}

const posts = () => calls.filter((c) => c.method === 'POST')
const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)]

async function settle() {
  for (let i = 0; i < 4; i++) {
    await flushPromises()
    await nextTick()
  }
}

async function open(path: string): Promise<Router> {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  mount(App, { global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body })
  await router.isReady()
  await settle()
  return router
}

function type(testid: string, value: string) {
  const el = field(testid)
  el.value = value
  el.dispatchEvent(new Event('input'))
}

function tick(testid: string) {
  $(testid)!.querySelector<HTMLInputElement>('input')!.click()
}

/** The message under a field; Element Plus shows it 100 ms after the field turns red. */
async function fieldError(testid: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 120))
  await nextTick()
  return $(testid)?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''
}

/** The native input or textarea of an el-input (which puts the test id on it). */
const field = (testid: string) => {
  const el = $(testid)!
  return (el.matches('input, textarea') ? el : el.querySelector('input, textarea')) as HTMLInputElement
}

async function submit() {
  $('appeal-submit')!.click()
  await settle()
}

/** Fills in what every appeal needs: a service and a description. */
async function fillBasics() {
  $$('appeal-service').find((b) => b.dataset.name === '纠纷化解')!.click()
  type('appeal-description', '楼上漏水到我家')
  await settle()
}

function pick(files: File[]) {
  const input = $('appeal-photo-input') as HTMLInputElement
  Object.defineProperty(input, 'files', { value: files, configurable: true })
  input.dispatchEvent(new Event('change'))
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  localStorage.clear()
  session.me = null
  session.apiKey = null
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})
enableAutoUnmount(afterEach)

describe('the appeal page (/q/:token)', () => {
  it('opens without signing in or the staff header, and shows the place and the services', async () => {
    const me = vi.spyOn(api, 'me')
    serve(() => json(200, live))
    await open(`/q/${TOKEN}`)
    expect(me).not.toHaveBeenCalled()
    expect($('app-header')).toBeNull()
    expect(calls.map((c) => c.url)).toEqual([`/api/v1/public/scans/${TOKEN}`])
    expect($('appeal-place-name')?.textContent).toBe('东关社区 第1网格 1号楼')
    expect($('appeal-street')?.textContent).toBe('平邑街道')
    expect($$('appeal-service').map((b) => b.textContent?.trim())).toEqual(['信访诉求', '纠纷化解', '法律服务'])
    expect($('appeal-consent-summary')?.textContent).toContain('手机号仅用于')
  })

  it('says a replaced code was replaced, and an unknown one is unknown', async () => {
    serve(() => json(200, { status: 'replaced' }))
    await open(`/q/${TOKEN}`)
    expect($('scan-replaced')?.textContent).toContain('此二维码已更换')
    expect($('scan-replaced')?.textContent).toContain('新张贴的二维码')
    expect($('appeal-form')).toBeNull()
    document.body.innerHTML = ''

    serve(() => json(404, { title: 'Not Found', status: 404 }))
    await open('/q/nonsense')
    expect($('scan-unknown')?.textContent).toContain('无法识别此二维码')
  })

  it('asks for a service and a description before sending anything', async () => {
    serve(() => json(200, live))
    await open(`/q/${TOKEN}`)
    await submit()
    expect(posts()).toHaveLength(0)
    expect(await fieldError('appeal-description')).toBe('请描述您遇到的情况')
    expect($('appeal-error')?.textContent).toContain('请检查标红的内容')
  })

  it('takes a phone number only once consent is ticked, and then sends it with consent "true"', async () => {
    serve((c) => (c.method === 'POST' ? json(201, { tracking_code: CODE, status_url: `/t/${CODE}` }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    type('appeal-phone', '13812345678')
    await submit()
    expect(posts()).toHaveLength(0)
    expect(await fieldError('appeal-consent')).toContain('请先阅读并勾选同意《个人信息处理说明》')

    tick('appeal-consent')
    await settle()
    expect(await fieldError('appeal-consent')).toBe('')
    await submit()
    expect(posts()).toHaveLength(1)
    const form = posts()[0].body as FormData
    expect(form.get('phone')).toBe('13812345678')
    expect(form.get('consent')).toBe('true')
    expect(form.get('category_id')).toBe('12')
    expect(form.get('description')).toBe('楼上漏水到我家')
  })

  it('reuses the idempotency key when the same form is sent again, and keeps what was typed', async () => {
    let n = 0
    serve((c) => {
      if (c.method !== 'POST') return json(200, live)
      n++
      if (n === 1) throw new TypeError('Failed to fetch') // the answer is lost on the way back
      return json(n === 2 ? 200 : 201, { tracking_code: CODE, status_url: `/t/${CODE}` })
    })
    await open(`/q/${TOKEN}`)
    await fillBasics()
    await submit()
    expect($('appeal-error')?.textContent).toContain('网络不太顺畅')
    expect($('appeal-error')?.textContent).toContain('您填写的内容已保留')
    expect(field('appeal-description').value).toBe('楼上漏水到我家')

    await submit()
    const [first, retry] = posts()
    expect(first.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(retry.headers['Idempotency-Key']).toBe(first.headers['Idempotency-Key'])
    expect($('appeal-tracking-code')?.textContent).toBe(CODE)
  })

  it('sends a double tap once', async () => {
    let answer: (r: Response) => void = () => {}
    serve((c) => (c.method === 'POST' ? new Promise<Response>((r) => (answer = r)) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    $('appeal-submit')!.click()
    $('appeal-submit')!.click()
    await settle()
    expect(posts()).toHaveLength(1)
    answer(json(201, { tracking_code: CODE, status_url: `/t/${CODE}` }))
    await settle()
    expect($('appeal-tracking-code')?.textContent).toBe(CODE)
  })

  it('takes a new key for a changed form', async () => {
    serve((c) => (c.method === 'POST' ? json(422, { title: 'Unprocessable Entity', status: 422, errors: [{ location: 'body.description', message: '请写得具体一些' }] }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    await submit()
    type('appeal-description', '楼上卫生间漏水到我家厨房，已经一周')
    await settle()
    await submit()
    const [a, b] = posts()
    expect(b.headers['Idempotency-Key']).not.toBe(a.headers['Idempotency-Key'])
  })

  it('shows the server’s refusals by their fields, in the page’s language', async () => {
    serve((c) =>
      c.method === 'POST'
        ? json(422, {
            title: 'Unprocessable Entity',
            status: 422,
            detail: 'please check the appeal',
            errors: [
              { location: 'body.phone', message: 'a mobile number (11 digits) or a landline with its area code' },
              { location: 'body.consent', message: 'agree to the processing of your personal information to leave a phone number' },
              { location: 'body.photos', message: 'each photo at most 5 MiB' },
            ],
          })
        : json(200, live),
    )
    await open(`/q/${TOKEN}`)
    await fillBasics()
    type('appeal-phone', '13812345678')
    tick('appeal-consent')
    await settle()
    await submit()
    expect(await fieldError('appeal-phone')).toBe('请输入 11 位手机号，或带区号的固定电话')
    expect(await fieldError('appeal-consent')).toBe('留下手机号前，请先阅读并勾选同意《个人信息处理说明》')
    expect(await fieldError('appeal-photos')).toBe('照片须为 JPG、PNG 或 WebP 格式，每张不超过 5 MB，最多 3 张')
    expect(await fieldError('appeal-description')).toBe('')
    expect($('appeal-error')?.textContent).toContain('请检查标红的内容')
    // Nothing typed is lost.
    expect(field('appeal-phone').value).toBe('13812345678')
    expect(field('appeal-description').value).toBe('楼上漏水到我家')

    // In English the server's own words are shown.
    i18n.global.locale.value = 'en'
    await submit()
    expect(await fieldError('appeal-photos')).toBe('each photo at most 5 MiB')
  })

  it('says how many minutes to wait after too many submissions', async () => {
    serve((c) => (c.method === 'POST' ? json(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '300' }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    await submit()
    expect($('appeal-error')?.textContent).toContain('提交过于频繁，请 5 分钟后再试')
    expect($('appeal-form')).not.toBeNull()
  })

  it('says the photos are too large on a 413, not photos on a 415, and switches to the replaced page on a 410', async () => {
    let status = 413
    serve((c) => (c.method === 'POST' ? json(status, { title: 'x', status }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    await submit()
    expect(await fieldError('appeal-photos')).toContain('照片太大')
    status = 415
    await submit()
    expect(await fieldError('appeal-photos')).toBe('照片须为 JPG、PNG 或 WebP 格式，每张不超过 5 MB，最多 3 张')
    status = 410
    await submit()
    expect($('scan-replaced')).not.toBeNull()
  })

  it('previews up to three photos, refuses other files, removes one, and sends them as "photos"', async () => {
    serve((c) => (c.method === 'POST' ? json(201, { tracking_code: CODE, status_url: `/t/${CODE}` }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    const img = (name: string, type = 'image/png') => new File([new Uint8Array(8)], name, { type })
    pick([img('a.png'), img('doc.pdf', 'application/pdf'), img('b.jpg', 'image/jpeg')])
    await settle()
    expect($$('appeal-photo')).toHaveLength(2)
    expect(await fieldError('appeal-photos')).toContain('“doc.pdf”不是 JPG、PNG 或 WebP 格式的照片')
    pick([img('c.webp', 'image/webp'), img('d.png')])
    await settle()
    expect($$('appeal-photo')).toHaveLength(3)
    expect(await fieldError('appeal-photos')).toContain('最多上传 3 张照片')
    expect($('appeal-photo-add')).toBeNull()
    $$('appeal-photo-remove')[0].click()
    await settle()
    expect($$('appeal-photo')).toHaveLength(2)
    await submit()
    expect(((posts()[0].body as FormData).getAll('photos') as File[]).map((f) => f.name)).toEqual(['b.jpg', 'c.webp'])
  })

  it('shows the tracking code large, with a copy button and the status page link', async () => {
    serve((c) => (c.method === 'POST' ? json(201, { tracking_code: CODE, status_url: `/t/${CODE}` }) : json(200, live)))
    await open(`/q/${TOKEN}`)
    await fillBasics()
    await submit()
    expect($('appeal-tracking-code')?.textContent).toBe(CODE)
    expect($('appeal-copy')).not.toBeNull()
    expect($('appeal-status-link')?.getAttribute('href')).toBe(`/t/${CODE}`)
    expect($('appeal-done')?.textContent).toContain('请记下、截图或复制保存查询码')
  })
})

describe('the status page (/t/:code)', () => {
  it('shows where the case is in the loop, who handles it and when it should be done, in Beijing time', async () => {
    serve(() => json(200, tracking()))
    await open(`/t/${CODE}`)
    expect($('app-header')).toBeNull()
    expect($('tracking-code')?.textContent).toBe(CODE)
    expect($('tracking-status')?.textContent?.trim()).toBe('已分拨至承办单位')
    expect($('tracking-steps')?.getAttribute('data-active')).toBe('2')
    const steps = [...$('tracking-steps')!.querySelectorAll('.el-step')]
    expect(steps.map((s) => s.querySelector('.el-step__title')?.textContent?.trim())).toEqual(['上报', '分拨', '受理', '化解', '确认', '反馈'])
    expect(steps.map((s) => s.querySelector('.el-step__head')?.classList.contains('is-success'))).toEqual([true, true, false, false, false, false])
    expect($('tracking-department')?.textContent).toBe('司法所')
    expect($('tracking-expected')?.textContent).toContain('10:05')
    expect(document.body.textContent).toContain('以上时间均为北京时间')
    expect($$('tracking-event').map((e) => e.querySelector('b')?.textContent)).toEqual(['已分拨至承办单位', '您提交了诉求'])
    expect($('tracking-rate')).toBeNull()
    expect($('tracking-reopen')).toBeNull()
  })

  it('lets a resident rate a resolved case, with stars and a comment', async () => {
    const resolved = tracking({ status: 'resolved', result: '已协调楼上住户修好水管', answer: '漏水已处理', can_rate: true, can_reopen: true, reopen_until: '2099-12-08T02:00:00Z' })
    serve((c) =>
      c.method === 'POST'
        ? json(200, { ...resolved, can_rate: false, rating: { score: 2, comment: '修得不彻底', rated_at: '2026-12-02T02:00:00Z' } })
        : json(200, resolved),
    )
    await open(`/t/${CODE}`)
    expect($('tracking-result')?.textContent).toBe('已协调楼上住户修好水管')
    expect($('tracking-answer')?.textContent).toBe('漏水已处理')
    expect($('tracking-rate')).not.toBeNull()
    expect($('tracking-reopen')).not.toBeNull()
    expect($('tracking-reopen-until')?.textContent).toContain('北京时间')

    $('tracking-rate-submit')!.click()
    await settle()
    expect($('tracking-score-error')?.textContent).toBe('请选择星级')
    expect(posts()).toHaveLength(0)

    $('tracking-score')!.querySelectorAll<HTMLElement>('.el-rate__item')[1].click()
    type('tracking-comment', '修得不彻底')
    await settle()
    $('tracking-rate-submit')!.click()
    await settle()
    expect(posts()[0].url).toBe(`/api/v1/public/tracking/${CODE}/rating`)
    expect(JSON.parse(String(posts()[0].body))).toEqual({ score: 2, comment: '修得不彻底' })
    expect($('tracking-rate')).toBeNull()
    expect($('tracking-rating')?.getAttribute('data-score')).toBe('2')
  })

  it('reopens with a reason, and the case is back at 上报', async () => {
    const resolved = tracking({ status: 'resolved', can_rate: false, can_reopen: true, reopen_until: '2099-12-08T02:00:00Z' })
    const reopened = tracking({
      status: 'reported',
      department: null,
      expected_completion: null,
      timeline: [...resolved.timeline, { at: '2026-12-02T03:00:00Z', action: 'reopen', status: 'reported', note: '还在漏水' }],
    })
    serve((c) => (c.method === 'POST' ? json(200, reopened) : json(200, resolved)))
    await open(`/t/${CODE}`)
    $('tracking-reopen-open')!.click()
    await settle()
    $('tracking-reopen-submit')!.click()
    await settle()
    expect($('tracking-reason-error')?.textContent).toBe('请填写不满意的原因')
    expect(posts()).toHaveLength(0)
    type('tracking-reason', '还在漏水')
    await settle()
    $('tracking-reopen-submit')!.click()
    await settle()
    expect(JSON.parse(String(posts()[0].body))).toEqual({ reason: '还在漏水' })
    expect($('tracking-status')?.getAttribute('data-status')).toBe('reported')
    expect($('tracking-steps')?.getAttribute('data-active')).toBe('1')
    expect($$('tracking-event')[0].getAttribute('data-action')).toBe('reopen')
    expect($$('tracking-event')[0].textContent).toContain('申请重新办理')
    expect($('tracking-department')?.textContent).toBe('尚未分拨')
    expect($('tracking-expected')?.textContent).toBe('分拨后确定')
  })

  it('says a refusal (409) plainly', async () => {
    const resolved = tracking({ status: 'resolved', can_reopen: true, reopen_until: '2099-12-08T02:00:00Z' })
    serve((c) =>
      c.method === 'POST'
        ? json(409, { title: 'Conflict', status: 409, detail: 'the case can no longer be reopened from here: it has no answer yet, or the time to say so has passed' })
        : json(200, resolved),
    )
    await open(`/t/${CODE}`)
    $('tracking-reopen-open')!.click()
    await settle()
    type('tracking-reason', '还在漏水')
    await settle()
    $('tracking-reopen-submit')!.click()
    await settle()
    const alert = $('tracking-action-error')?.textContent ?? ''
    expect(alert).toContain('已超过申请期限')
    expect(alert).toContain('the time to say so has passed')
    // The reason stays for another try.
    expect(field('tracking-reason').value).toBe('还在漏水')
  })

  it('hides reopening once reopen_until has passed', async () => {
    serve(() => json(200, tracking({ status: 'closed', can_reopen: true, reopen_until: '2020-01-01T00:00:00Z' })))
    await open(`/t/${CODE}`)
    expect($('tracking-steps')?.getAttribute('data-active')).toBe('6')
    expect($('tracking-reopen')).toBeNull()
  })

  it('says an unknown code is unknown and a malformed one what is wrong with it', async () => {
    serve(() => json(404, { title: 'Not Found', status: 404 }))
    await open(`/t/${CODE}`)
    expect($('tracking-unknown')?.textContent).toContain('没有找到这个查询码')
    document.body.innerHTML = ''

    serve(() =>
      json(422, {
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'validation failed',
        errors: [{ location: 'path.code', message: 'this tracking code looks mistyped' }],
      }),
    )
    await open('/t/45PJ')
    expect($('tracking-malformed')?.textContent).toContain('this tracking code looks mistyped')
    expect(field('tracking-code-input').value).toBe('45PJ')
  })

  it('looks up a code typed in lower case without dashes', async () => {
    serve(() => json(200, tracking()))
    const router = await open('/t')
    expect(calls).toHaveLength(0)
    type('tracking-code-input', '45pj 6npe3wq')
    await settle()
    $('tracking-lookup-submit')!.click()
    await settle()
    expect(router.currentRoute.value.fullPath).toBe(`/t/${CODE}`)
    expect(calls.map((c) => c.url)).toEqual([`/api/v1/public/tracking/${CODE}`])
    expect($('tracking-code')?.textContent).toBe(CODE)
  })
})

// Browser test of the situational dashboard (态势) against a running Fengqiao
// server: the street's dashboard shows the API's headline numbers, and a case
// reported through the API raises the received count without a reload —
// by polling for an API key (?poll=2), by server-sent events for a signed-in
// dispatcher. The big-screen layout hides the header and Esc leaves it; the
// county's dashboard lists the street.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY (county-wide), TENANT_CODE
// (371326001), GRID_NAME (a grid of the street, where the cases are
// reported), PASSWORD and DISPATCHER (a street-wide reader's sign-in; without
// PASSWORD the server-sent events part is skipped), CHROMIUM,
// SCREENSHOT_DIR, E2E_TIMEOUT_MS.
import { DESKTOP, People, apiClient, assert, finish, haveEnv, launchChromium, reportFailure, screenshot, sel, step } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''
const GRID_NAME = process.env.GRID_NAME ?? ''
const PASSWORD = process.env.PASSWORD ?? ''
const DISPATCHER = process.env.DISPATCHER || 'dispatcher@pingyi.example'

const stamp = Date.now().toString(36).slice(-5)
const SCREEN = { viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' }

/** An API call with the county key. */
const call = apiClient(`${BASE_URL}/api/v1`, API_KEY)

const situation = () => call('GET', `/tenants/${TENANT_CODE}/situation?days=30`)

/** Where and what the test reports: the grid, and the street's first category. */
async function reportTarget() {
  step(`find ${GRID_NAME} and a category`)
  const hits = (await call('GET', `/tenants/${TENANT_CODE}/nodes/search?q=${encodeURIComponent(GRID_NAME)}&limit=5`)).items ?? []
  const grid = hits.find((h) => h.name === GRID_NAME)
  assert(grid, `no grid ${GRID_NAME}: ${JSON.stringify(hits.map((h) => h.name))}`)
  const categories = (await call('GET', `/tenants/${TENANT_CODE}/categories`)).items ?? []
  assert(categories.length, 'the street has no categories')
  return { grid, category: categories[0] }
}

let n = 0
async function report(target, grade) {
  n++
  step(`report case ${n} (${grade}) through the API`)
  return call('POST', `/tenants/${TENANT_CODE}/cases`, {
    channel: 'hotline_12345',
    category_id: target.category.id,
    grade,
    title: `态势测试 E2E${stamp}-${n}`,
    node_id: target.grid.id,
  })
}

/** The headline number of a card (its data-value). */
const card = (page, id) => page.locator(sel(`situation-${id}`)).getAttribute('data-value')

async function headlines(page) {
  const out = {}
  for (const id of ['received', 'today', 'open', 'overdue']) out[id] = Number(await card(page, id))
  return out
}

/** Waits until the received card reads `want`, without reloading. */
async function waitForReceived(page, want, what) {
  step(`the received count rises to ${want} (${what}), no reload`)
  await page.waitForFunction(
    ([id, value]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-value') === value,
    ['situation-received', String(want)],
    { timeout: 20000 },
  )
}

let browser
const diagnostics = []
let people

/** The API key's dashboard: numbers as the API's, a report shows up by polling; the big screen and back. */
async function withKey(target) {
  const page = await people.open('key', DESKTOP)
  step('connect with the county key and open the street page: it links to the dashboard')
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(sel('header-scope'))
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}`)
  await page.click(sel('street-situation'))
  await page.waitForURL(new RegExp(`/streets/${TENANT_CODE}/situation`))
  await page.waitForSelector(sel('situation-received'))

  step('open the dashboard polling every 2 s (an API key cannot ride on EventSource)')
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}/situation?poll=2`)
  await page.waitForSelector(sel('situation-received'))
  await page.locator(`${sel('situation-live')}[data-mode="polling"]`).waitFor()

  step('the headline numbers are the API\'s')
  const api = (await situation()).totals
  const shown = await headlines(page)
  for (const k of Object.keys(shown)) assert(shown[k] === api[k], `${k} reads ${shown[k]}, the API says ${api[k]}`)
  const rateText = (await page.locator(`${sel('situation-rate')} .situation-card__value`).innerText()).trim()
  const wantRate = api.resolution_rate === null ? '—' : `${(Math.round(api.resolution_rate * 1000) / 10).toFixed(1)}%`
  assert(rateText === wantRate, `the resolution rate reads ${rateText}, expected ${wantRate}`)
  assert((await page.locator(sel('heat-tile')).count()) > 0, 'the heat view has no tiles')
  assert((await page.locator(`${sel('situation-trend')} canvas`).count()) > 0, 'the trend chart has no canvas')
  await screenshot(page, 'situation-street')

  await report(target, 'urgent')
  await waitForReceived(page, shown.received + 1, 'polling')
  assert(Number(await card(page, 'today')) === shown.today + 1, 'today did not rise with the report')
  assert(Number(await card(page, 'open')) === shown.open + 1, 'open did not rise with the report')

  step('the big screen hides the header; Esc leaves it')
  await page.click(sel('situation-screen'))
  await page.waitForURL(/screen=1/)
  await page.locator(`${sel('situation-page')}[data-screen="1"]`).waitFor()
  const covered = await page.evaluate(() => {
    const r = document.querySelector('[data-testid="situation-page"]').getBoundingClientRect()
    const top = document.elementFromPoint(10, 10)
    return r.top === 0 && r.left === 0 && r.width === window.innerWidth && !top?.closest('[data-testid="app-header"]')
  })
  assert(covered, 'the big screen does not cover the viewport and the header')
  await page.keyboard.press('Escape')
  await page.locator(`${sel('situation-page')}[data-screen="0"]`).waitFor()
  assert(!page.url().includes('screen=1'), `Esc left ${page.url()}`)
  await page.locator(sel('app-header')).waitFor({ state: 'visible' })
  return page
}

/** The big screen at 1920×1080 from the URL, and the county's dashboard. */
async function bigScreen() {
  const page = await people.open('screen', SCREEN)
  step('open the big screen from the URL at 1920×1080: it fits the viewport')
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(sel('header-scope'))
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}/situation?screen=1&days=90`)
  await page.waitForSelector(sel('situation-received'))
  await page.locator(`${sel('situation-period-90')}.is-active`).waitFor()
  const fits = await page.evaluate(() => {
    const el = document.querySelector('[data-testid="situation-page"]')
    return el.scrollHeight <= window.innerHeight + 1 && el.scrollWidth <= window.innerWidth + 1
  })
  assert(fits, 'the big screen scrolls at 1920×1080')
  await screenshot(page, 'situation-screen')

  step('the county dashboard lists the street, linked from the street list')
  await page.goto(`${BASE_URL}/`)
  await page.click(sel('county-situation-button'))
  await page.waitForURL(/\/county\/situation/)
  await page.waitForSelector(sel('situation-received'))
  const streets = await page.locator(sel('heat-tile')).count()
  assert(streets >= 1, `the county heat view shows ${streets} streets`)
  const county = (await call('GET', `/counties/${TENANT_CODE.slice(0, 6)}/situation?days=30`)).totals
  assert(Number(await card(page, 'received')) === county.received, 'the county received count is not the API\'s')
  await screenshot(page, 'situation-county')

  step('a street of the county dashboard opens its own dashboard')
  const tenant = await call('GET', `/tenants/${TENANT_CODE}`)
  await page.locator(sel('situation-street-link'), { hasText: tenant.name }).click()
  await page.waitForURL(new RegExp(`/streets/${TENANT_CODE}/situation`))
  const street = (await situation()).totals
  await page.waitForFunction(
    ([id, value]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-value') === value,
    ['situation-received', String(street.received)],
  )
}

/** A signed-in dispatcher: the dashboard is live over server-sent events. */
async function withSession(target) {
  const page = await people.open('dispatcher', DESKTOP)
  step(`sign in as ${DISPATCHER}`)
  await page.goto(`${BASE_URL}/signin`)
  await page.waitForSelector(sel('signin-identifier'))
  await page.fill(sel('signin-identifier'), DISPATCHER)
  await page.fill(sel('signin-password'), PASSWORD)
  await page.click(sel('signin-submit'))
  await page.waitForSelector(sel('header-user'))

  step('the header links to the dashboard; it goes live over server-sent events')
  await page.click(sel('header-situation'))
  await page.waitForURL(new RegExp(`/streets/${TENANT_CODE}/situation`))
  await page.waitForSelector(sel('situation-received'))
  await page.locator(`${sel('situation-live')}[data-mode="live"]`).waitFor()
  const before = Number(await card(page, 'received'))
  const api = (await situation()).totals
  assert(before === api.received, `received reads ${before}, the API says ${api.received}`)

  await report(target, 'serious')
  await waitForReceived(page, before + 1, 'server-sent events')
  await screenshot(page, 'situation-live')
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE, GRID_NAME })) return false
  browser = await launchChromium()
  if (!browser) return false
  people = new People(browser, diagnostics)
  let failed = false
  try {
    const target = await reportTarget()
    await withKey(target)
    await bigScreen()
    if (PASSWORD) await withSession(target)
    else console.log('e2e: no PASSWORD: the server-sent events part is skipped')
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    await people?.screenshots('situation-e2e')
  } finally {
    await browser.close()
  }
  return !failed
}

finish(await main())

// Browser test of staff sign-in against a running Fengqiao server with Kratos:
// an administrator (county API key via #key=) invites a grid worker from the
// street's 人员 tab; the grid worker, in a fresh browser context, opens the
// invitation link, enters the code, sets a password, signs out, signs in
// with email and password, and sees only their grid in the tree.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY (county-wide), TENANT_CODE,
// GRID_CODE (a grid of that street), OTHER_GRID_NAME (a sibling grid the
// grid worker must not see), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (default the OS temp dir), E2E_TIMEOUT_MS (default 15000).
import { assert, finish, haveEnv, launchChromium, reportFailure, screenshot, sel, step, watch } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''
const GRID_CODE = process.env.GRID_CODE ?? ''
const OTHER_GRID_NAME = process.env.OTHER_GRID_NAME ?? ''

const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
const email = `e2e-${stamp}@example.org`
const personName = `E2E网格员${stamp.slice(-4)}`
const password = 'Fq-e2e-pass-2026'

/** Invites the grid worker as the administrator; returns the recovery link and code from the result dialog. */
async function invite(admin) {
  step('connect as administrator with the key from the URL fragment')
  await admin.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await admin.waitForSelector(sel('header-scope'))
  assert(!admin.url().includes('/signin'), 'the app went to /signin: the API key was rejected or GET /api/v1/me failed')

  step(`open the 人员 tab of ${TENANT_CODE}`)
  await admin.goto(`${BASE_URL}/streets/${TENANT_CODE}?tab=staff`)
  await admin.waitForSelector(sel('staff-tab'))
  await admin.locator(sel('invite-button')).waitFor({ state: 'visible' })

  step(`invite ${email} as a grid worker at ${GRID_CODE}`)
  await admin.click(sel('invite-button'))
  const dialog = admin.locator(`.el-dialog${sel('invite-dialog')}`)
  await dialog.waitFor({ state: 'visible' })
  await admin.fill(sel('invite-name'), personName)
  await admin.fill(sel('invite-email'), email)
  await admin.click(sel('invite-role-grid_worker'))
  await admin.click(`${sel('invite-node')} .el-select__wrapper`)
  await admin.keyboard.type(GRID_CODE)
  const option = admin.locator(`.el-select-dropdown__item:visible ${sel('node-option')}[data-code="${GRID_CODE}"]`)
  await option.waitFor({ state: 'visible' })
  await option.click()
  await admin.click(sel('invite-submit'))

  step('read the recovery link and code from the result dialog')
  await admin.locator(sel('invite-link')).waitFor({ state: 'visible' })
  const link = (await admin.locator(sel('invite-link')).innerText()).trim()
  const code = (await admin.locator(sel('invite-code')).innerText()).trim()
  assert(/\/recover\?flow=[\w-]+$/.test(link), `the recovery link looks wrong: ${link}`)
  assert(/^\d{6}$/.test(code), `the recovery code is not 6 digits: ${code}`)
  await admin.click(sel('invite-result-close'))

  step('the new grid worker is listed')
  await admin.locator(`${sel('staff-row')}[data-email="${email}"]`).waitFor({ state: 'visible' })
  return { link, code }
}

async function signInAsGridWorker(page, { link, code }) {
  step('open the recovery link in a fresh browser context')
  await page.goto(link)
  await page.waitForSelector(sel('recover-code'))
  const intro = await page.locator(sel('recover-intro')).innerText()
  assert(intro.includes('6 位验证码'), `the recovery page does not say where the code goes: ${intro}`)

  step('enter the code')
  await page.fill(sel('recover-code'), code)
  await page.click(sel('recover-submit'))
  await page.waitForURL(/\/account\?flow=/)
  await page.waitForSelector(sel('account-password'))

  step('set a password')
  await page.fill(sel('account-password'), password)
  await page.click(sel('account-submit'))
  await page.waitForSelector(sel('account-success'))
  const name = (await page.locator(sel('account-name')).innerText()).trim()
  assert(name === personName, `the account page shows "${name}", expected ${personName}`)

  step('go to the app, then sign out')
  await page.click(sel('account-continue'))
  await page.waitForSelector(sel('hierarchy-tree'))
  await page.click(sel('signout'))
  await page.waitForURL(/\/signin/)

  step(`sign in on /signin as ${email}`)
  await page.waitForSelector(sel('signin-identifier'))
  await page.fill(sel('signin-identifier'), email)
  await page.fill(sel('signin-password'), password)
  await page.click(sel('signin-submit'))
  await page.waitForSelector(sel('header-user'))
  assert(!page.url().includes('/signin'), `still on the sign-in page: ${page.url()}`)

  step(`open ${TENANT_CODE}: the tree shows the grid only`)
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}`)
  await page.locator(`${sel('hierarchy-tree')} ${sel(`tree-node-${GRID_CODE}`)}`).waitFor({ state: 'visible' })
  const labels = await page.locator(`${sel('hierarchy-tree')} ${sel('tree-node')}`).allInnerTexts()
  assert(!labels.some((l) => l.includes(OTHER_GRID_NAME)), `the tree shows ${OTHER_GRID_NAME}: ${JSON.stringify(labels)}`)
  assert(
    (await page.locator(`${sel('hierarchy-tree')} ${sel(`tree-node-${TENANT_CODE}`)}`).count()) === 0,
    `the tree shows the street root: ${JSON.stringify(labels)}`,
  )
  assert((await page.locator(sel('import-button')).count()) === 0, 'the import button is shown to a grid worker')
  const roles = await page.locator(sel('header-roles')).innerText()
  assert(roles.includes('网格员'), `the header shows the roles "${roles}", expected 网格员`)
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE, GRID_CODE, OTHER_GRID_NAME })) return false

  const browser = await launchChromium()
  if (!browser) return false

  const diagnostics = []
  const pages = []
  let failed = false
  try {
    // One context per identity: cookies on 127.0.0.1 are shared across ports, and the key lives in localStorage.
    const adminContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    const admin = await adminContext.newPage()
    pages.push(['admin', admin])
    watch(admin, 'admin', diagnostics)
    const invitation = await invite(admin)
    await adminContext.close()
    pages.length = 0

    const workerContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    const worker = await workerContext.newPage()
    pages.push(['grid-worker', worker])
    watch(worker, 'grid worker', diagnostics)
    await signInAsGridWorker(worker, invitation)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    for (const [label, page] of pages) await screenshot(page, `staff-e2e-${label}`)
  } finally {
    await browser.close()
  }
  return !failed
}

finish(await main())

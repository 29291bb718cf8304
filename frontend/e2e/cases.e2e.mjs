// Browser test of the closed loop against a running Fengqiao server with
// Kratos and the demo staff: the grid worker reports a case on a phone; the
// dispatcher opens it from the 待分拨 tab and dispatches it with the rule's
// suggestion; the department accepts and resolves it; the dispatcher confirms
// and closes it, and the timeline shows every step.
//
// A report that matches a dispatch rule is dispatched on intake, so the test
// makes its own category (with the county API key): the report waits in the
// centre's queue; then a rule to DEPARTMENT_NAME and a deadline policy for
// the category come in, as when a street sets them up later, and the
// dispatch dialog must offer both.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY (county-wide), TENANT_CODE
// (371326001), GRID_NAME (the grid worker's grid, the report's default
// place), DEPARTMENT_NAME (the department staff member's department),
// PASSWORD (the demo password), GRID_WORKER, DISPATCHER, DEPARTMENT_STAFF
// (sign-in emails; the demo people by default), CHROMIUM, SCREENSHOT_DIR,
// E2E_TIMEOUT_MS; COMMUNITY_STAFF (the community worker over GRID_NAME).
//
// Between dispatch and handling, the community worker summons the department
// (吹哨); the department finds the case in its bell (新交办, 吹哨报到), opens it
// from there and checks in (报到); the closed case's timeline shows summon
// and check_in too.
import { DESKTOP, PHONE, People, apiClient, assert, finish, haveEnv, launchChromium, reportFailure, screenshot, sel, step } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''
const GRID_NAME = process.env.GRID_NAME ?? ''
const DEPARTMENT_NAME = process.env.DEPARTMENT_NAME ?? ''
const PASSWORD = process.env.PASSWORD ?? ''
const GRID_WORKER = process.env.GRID_WORKER || 'grid-worker@pingyi.example'
const DISPATCHER = process.env.DISPATCHER || 'dispatcher@pingyi.example'
const DEPARTMENT_STAFF = process.env.DEPARTMENT_STAFF || 'police@pingyi.example'
const COMMUNITY_STAFF = process.env.COMMUNITY_STAFF || 'community@pingyi.example'

const stamp = Date.now().toString(36).slice(-5)
const title = `楼道堆放杂物 E2E${stamp}`
const categoryName = `楼道安全E2E${stamp}`
const leader = '王主任'
// The policy the test sets for its category and grade 较大: 6 hours to accept, 2 days to complete.
const policy = { accept_hours: 6, complete_hours: 48 }

/** An API call with the county key, for what the test sets up. */
const call = apiClient(`${BASE_URL}/api/v1/tenants/${TENANT_CODE}`, API_KEY)

async function createCategory() {
  step(`create the category ${categoryName} (no rule yet)`)
  return call('POST', '/categories', { code: `e2e_${stamp}`, name: categoryName, group: 'domain' })
}

/** The street sets up a rule for the category, with its leader, and a deadline policy. */
async function addRuleAndPolicy(category) {
  step(`add a dispatch rule ${categoryName} → ${DEPARTMENT_NAME} and a deadline policy`)
  const departments = (await call('GET', '/departments')).items
  const department = departments.find((d) => d.name === DEPARTMENT_NAME)
  assert(department, `no department ${DEPARTMENT_NAME}: ${JSON.stringify(departments.map((d) => d.name))}`)
  await call('POST', '/dispatch-rules', { category_id: category.id, department_id: department.id, leader_name: leader })
  await call('PUT', '/deadline-policies', { category_id: category.id, grade: 'major', ...policy })
}

// A small PNG (a red square) for the photo upload; the server reads the type from the bytes.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGO4YGBAEmIY1TCqYfhqAAA+XjAQexaBIwAAAABJRU5ErkJggg==',
  'base64',
)


let browser
const diagnostics = []
let people

async function signIn(page, email) {
  step(`sign in as ${email}`)
  await page.goto(`${BASE_URL}/signin`)
  await page.waitForSelector(sel('signin-identifier'))
  await page.fill(sel('signin-identifier'), email)
  await page.fill(sel('signin-password'), PASSWORD)
  await page.click(sel('signin-submit'))
  await page.waitForSelector(sel('header-user'))
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'))
}

async function signOut(page) {
  step('sign out')
  await page.click(sel('signout'))
  await page.waitForURL(/\/signin/)
}

/** Picks an option of an Element Plus select by the test id inside the option. */
async function choose(page, selectId, optionSelector) {
  await page.click(`${sel(selectId)} .el-select__wrapper`)
  const option = page.locator(`.el-select-dropdown__item:visible ${optionSelector}`)
  await option.first().waitFor({ state: 'visible' })
  await option.first().click()
}

const headStatus = (page, status) => page.locator(`.case-head ${sel('case-status')}[data-status="${status}"]`)

/** Takes a step from the case page through its dialog, and waits for the status it leads to. */
async function takeStep(page, action, to, note) {
  step(`${action} the case`)
  await page.click(sel(`case-action-${action}`))
  const dialog = page.locator(`.el-dialog${sel('case-step-dialog')}[data-action="${action}"]`)
  await dialog.waitFor({ state: 'visible' })
  if (note) await dialog.locator(sel('case-step-note')).fill(note)
  await dialog.locator(sel('case-step-submit')).click()
  await dialog.waitFor({ state: 'hidden' })
  await headStatus(page, to).waitFor({ state: 'visible' })
}

/** Opens the case from the given inbox tab of the street's case list. */
async function openFromTab(page, tab, trackingCode) {
  step(`open the case from the ${tab} tab`)
  await page.click(sel('header-cases'))
  await page.waitForSelector(sel('cases-tabs'))
  await page.click(`${sel('cases-tabs')} .el-tabs__item:has(${sel('cases-tab')}[data-tab="${tab}"])`)
  const row = page.locator(`${sel('case-row')}[data-code="${trackingCode}"]`)
  await row.waitFor({ state: 'visible' })
  await screenshot(page, `cases-list-${tab}`)
  await row.click()
  await page.waitForSelector(sel('case-timeline'))
  const shown = (await page.locator(sel('case-tracking-code')).innerText()).trim()
  assert(shown === trackingCode, `the case page shows ${shown}, expected ${trackingCode}`)
}

async function report(category) {
  const page = await people.open('grid-worker', PHONE)
  await signIn(page, GRID_WORKER)

  step('the street page offers 上报 on a phone')
  await page.waitForSelector(sel('street-report'))
  await page.click(sel('street-report'))
  await page.waitForSelector(sel('report-form'))

  step('the place defaults to the grid worker’s grid')
  await page.locator(`${sel('report-place')} .el-select__wrapper`, { hasText: GRID_NAME }).waitFor({ state: 'visible' })
  const channel = await page.locator(`${sel('report-channel')} .el-select__wrapper`).innerText()
  assert(channel.includes('网格上报'), `the channel defaults to "${channel}", expected 网格上报`)

  step('fill in the report')
  await choose(page, 'report-category', `${sel('report-category-option')}[data-name="${category.name}"]`)
  await page.click(sel('report-grade-major'))
  await page.fill(sel('report-title'), title)
  await page.fill(sel('report-description'), '3号楼2单元楼道内堆放纸箱和旧家具，影响通行，存在消防隐患。')
  await page.fill(sel('report-address'), '3号楼2单元')
  await page.fill(sel('report-reporter-name'), '王秀兰')
  await page.fill(sel('report-reporter-phone'), '13812345678')
  await page.setInputFiles(sel('photo-input'), { name: '楼道.png', mimeType: 'image/png', buffer: PHOTO })
  await page.locator(`${sel('photo-item')}[data-status="waiting"]`).waitFor({ state: 'visible' })
  // Touch targets: the submit button spans the screen and is at least 44 px high.
  const box = await page.locator(sel('report-submit')).boundingBox()
  assert(box && box.height >= 44 && box.width >= 300, `the submit button is ${JSON.stringify(box)}: too small for a thumb`)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert(overflow <= 0, `the report form is ${overflow}px wider than the phone`)
  await screenshot(page, 'cases-report-form')

  step('submit: the tracking code is shown')
  await page.click(sel('report-submit'))
  await page.waitForSelector(sel('report-tracking-code'))
  const trackingCode = (await page.locator(sel('report-tracking-code')).innerText()).trim()
  assert(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$/.test(trackingCode), `the tracking code looks wrong: ${trackingCode}`)
  step('the photo goes up once the case exists')
  await page.locator(`${sel('photo-item')}[data-status="done"]`).waitFor({ state: 'visible' })
  await screenshot(page, 'cases-report-done')

  step('the link opens the case, reported, with the report on its timeline')
  await page.click(sel('report-open-case'))
  await page.waitForSelector(sel('case-timeline'))
  await headStatus(page, 'reported').waitFor({ state: 'visible' })
  const phone = await page.locator(sel('case-phone')).innerText()
  assert(phone.includes('13812345678'), `the reporter's phone is "${phone}" for the reporter, expected it whole`)
  assert((await page.locator(`${sel('timeline-entry')}[data-action="report"]`).count()) === 1, 'the timeline lacks the report')
  await page.locator(`${sel('case-photo')} img[src^="blob:"]`).waitFor({ state: 'visible' })
  assert((await page.locator(sel('case-action-dispatch')).count()) === 0, 'a grid worker is offered dispatch')
  await screenshot(page, 'cases-report-case-phone')
  await signOut(page)
  await people.close(page)
  return trackingCode
}

async function dispatch(trackingCode) {
  const page = await people.open('dispatcher', DESKTOP)
  await signIn(page, DISPATCHER)
  await openFromTab(page, 'reported', trackingCode)

  step('dispatch: the rule’s department is preselected, the deadlines prefilled')
  await page.click(sel('case-action-dispatch'))
  const dialog = page.locator(`.el-dialog${sel('dispatch-dialog')}`)
  await dialog.waitFor({ state: 'visible' })
  await dialog.locator(`${sel('dispatch-suggestion')}[data-found="true"]`).waitFor({ state: 'visible' })
  const suggestion = await dialog.locator(sel('dispatch-suggestion')).innerText()
  assert(suggestion.includes('按规则建议') && suggestion.includes(DEPARTMENT_NAME), `the suggestion reads "${suggestion}"`)
  const department = await dialog.locator(`${sel('dispatch-department')} .el-select__wrapper`).innerText()
  assert(department.includes(DEPARTMENT_NAME), `the department preselected is "${department}", expected ${DEPARTMENT_NAME}`)
  const dueOf = (id) => dialog.locator(`${sel(id)} input`).inputValue()
  const acceptDue = await dueOf('dispatch-accept-due')
  const completeDue = await dueOf('dispatch-complete-due')
  assert(acceptDue && completeDue && acceptDue < completeDue, `deadlines not prefilled in order: "${acceptDue}" / "${completeDue}"`)
  const policyText = await dialog.locator(sel('dispatch-policy')).innerText()
  assert(
    policyText.includes('较大') && policyText.includes('6 小时') && policyText.includes('2 天') && policyText.includes('本街道'),
    `the deadline policy reads "${policyText}"`,
  )
  const hours = (new Date(completeDue) - new Date(acceptDue)) / 3600_000
  assert(Math.abs(hours - (policy.complete_hours - policy.accept_hours)) < 0.1, `the deadlines are ${hours} hours apart: ${acceptDue} / ${completeDue}`)
  const leaderPrefilled = await dialog.locator(sel('dispatch-leader')).inputValue()
  assert(leaderPrefilled === leader, `the leader prefilled is "${leaderPrefilled}", expected the rule's ${leader}`)
  await screenshot(page, 'cases-dispatch-dialog')
  await dialog.locator(sel('dispatch-submit')).click()
  await dialog.waitFor({ state: 'hidden' })
  await headStatus(page, 'dispatched').waitFor({ state: 'visible' })
  const handling = await page.locator(sel('case-handling')).innerText()
  assert(handling.includes(DEPARTMENT_NAME) && handling.includes(leader), `the handling section reads "${handling}"`)

  step('the ledger lists the case under the department and leader')
  await page.click(sel('header-cases'))
  await page.click(sel('cases-ledger'))
  const item = page.locator(`${sel('ledger-leader')}[data-leader="${leader}"] ${sel('ledger-row')}`, { hasText: trackingCode })
  await item.waitFor({ state: 'visible' })
  await screenshot(page, 'cases-ledger')
  await signOut(page)
  await people.close(page)
}

/** The case's id, looked up by its tracking code (list-cases?tracking_code=). */
async function caseId(trackingCode) {
  const page = await call('GET', `/cases?tracking_code=${encodeURIComponent(trackingCode)}`)
  assert(page.items?.length === 1, `tracking code ${trackingCode} finds ${JSON.stringify(page.items)}`)
  return page.items[0].id
}

/** The community worker summons the department to the dispatched case: it must check in within 2 hours. */
async function summon(id) {
  const page = await people.open('community', DESKTOP)
  await signIn(page, COMMUNITY_STAFF)
  step('the community worker opens the case and summons the department (吹哨)')
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}/cases/${id}`)
  await page.waitForSelector(sel('case-timeline'))
  await page.click(sel('case-action-summon'))
  const dialog = page.locator(`.el-dialog${sel('summon-dialog')}`)
  await dialog.waitFor({ state: 'visible' })
  const hours = await dialog.locator(`${sel('summon-hours')} input`).inputValue()
  assert(hours === '2', `the summons' hours default to ${hours}, expected 2`)
  await dialog.locator(sel('summon-note')).fill('请派出所到场协助清理楼道，维持秩序。')
  await choose(page, 'summon-departments', `${sel('summon-department-option')}[data-name="${DEPARTMENT_NAME}"]`)
  // A multiple select stays open: a click above it closes the list.
  await dialog.locator('.step-case').click()
  await page.locator('.el-select-dropdown__item:visible').first().waitFor({ state: 'hidden' })
  await screenshot(page, 'cases-summon-dialog')
  await dialog.locator(sel('summon-submit')).click()
  await dialog.waitFor({ state: 'hidden' })
  const item = page.locator(`${sel('summons-item')}[data-state="waiting"]`, { hasText: DEPARTMENT_NAME })
  await item.waitFor({ state: 'visible' })
  const state = (await item.locator(sel('summons-state')).innerText()).trim()
  assert(state === '未报到', `the summons reads "${state}", expected 未报到`)
  await screenshot(page, 'cases-summoned')
  await signOut(page)
  await people.close(page)
}

/** The department sees the case in its bell: 新交办 from the dispatch and 吹哨报到 from the summons. */
async function fromTheBell(page, id, trackingCode) {
  step('the bell rings: the department has notifications for the case')
  const badge = page.locator(`${sel('bell-badge')} .el-badge__content`)
  await badge.waitFor({ state: 'visible' })
  const unread = Number((await badge.innerText()).trim().replace('+', ''))
  assert(unread >= 2, `the bell counts ${unread} unread, expected at least the assignment and the summons`)
  await page.click(sel('bell'))
  const panel = page.locator(`${sel('bell-panel')}:visible`)
  await panel.waitFor({ state: 'visible' })
  const items = panel.locator(`${sel('bell-item')}[data-case="${id}"]`)
  await items.first().waitFor({ state: 'visible' })
  const kinds = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
  assert(kinds.includes('assignment') && kinds.includes('summons'), `the bell lists ${JSON.stringify(kinds)} for the case`)
  const text = await panel.innerText()
  assert(text.includes('新交办') && text.includes('吹哨报到'), `the bell reads "${text}"`)
  await page.waitForTimeout(400) // the popover fades in
  await screenshot(page, 'cases-bell')

  step('a click marks it read and opens the case')
  await items.first().click()
  await page.waitForURL((u) => u.pathname.endsWith(`/cases/${id}`))
  await page.waitForSelector(sel('case-timeline'))
  const shown = (await page.locator(sel('case-tracking-code')).innerText()).trim()
  assert(shown === trackingCode, `the bell opened ${shown}, expected ${trackingCode}`)
  await page.waitForFunction(
    ([s, before]) => Number(document.querySelector(s)?.getAttribute('data-unread')) < before,
    [sel('bell-badge'), unread],
  )
}

async function checkIn(page) {
  step('the department checks in (报到)')
  await page.click(sel('case-action-check_in'))
  const dialog = page.locator(`.el-dialog${sel('check-in-dialog')}`)
  await dialog.waitFor({ state: 'visible' })
  await dialog.locator(sel('check-in-note')).fill('已到场，民警张伟负责。')
  await dialog.locator(sel('check-in-submit')).click()
  await dialog.waitFor({ state: 'hidden' })
  const item = page.locator(`${sel('summons-item')}[data-state="checked_in"]`, { hasText: DEPARTMENT_NAME })
  await item.waitFor({ state: 'visible' })
  assert((await page.locator(sel('case-action-check_in')).count()) === 0, 'check-in is still offered after checking in')
  await screenshot(page, 'cases-checked-in')
}

/** The full page: the case's notifications, the one opened read; only unread leaves it out. */
async function allNotifications(page, id) {
  step('the notifications page lists them; only unread leaves out the one read')
  await page.click(sel('bell'))
  await page.locator(`${sel('bell-all')}:visible`).click()
  await page.waitForURL((u) => u.pathname.endsWith('/notifications'))
  const items = page.locator(`${sel('notification-item')}[data-case="${id}"]`)
  await items.first().waitFor({ state: 'visible' })
  const read = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-read')))
  assert(read.length >= 2 && read.includes('true') && read.includes('false'), `the case's notifications read ${JSON.stringify(read)}`)
  await screenshot(page, 'notifications-page')
  await page.click(sel('notifications-unread-only'))
  await page.waitForFunction(
    ([s, n]) => document.querySelectorAll(s).length === n,
    [`${sel('notification-item')}[data-case="${id}"]`, read.filter((r) => r === 'false').length],
  )
  assert((await page.locator(`${sel('notification-item')}[data-read="true"]`).count()) === 0, 'only unread lists a read notification')
}

async function handle(trackingCode, id) {
  const page = await people.open('department', DESKTOP)
  await signIn(page, DEPARTMENT_STAFF)
  await fromTheBell(page, id, trackingCode)
  await checkIn(page)
  await allNotifications(page, id)
  await openFromTab(page, 'dispatched', trackingCode)
  assert((await page.locator(sel('case-action-dispatch')).count()) === 0, 'the department is offered dispatch')
  await takeStep(page, 'accept', 'accepted')

  step('resolving without a result is refused in the form')
  await page.click(sel('case-action-resolve'))
  const dialog = page.locator(`.el-dialog${sel('case-step-dialog')}[data-action="resolve"]`)
  await dialog.waitFor({ state: 'visible' })
  await dialog.locator(sel('case-step-submit')).click()
  await dialog.locator('.el-form-item__error', { hasText: '办理结果' }).waitFor({ state: 'visible' })
  await dialog.locator(sel('case-step-note')).fill('已联系物业清理楼道杂物，并向住户宣传消防安全。')
  await dialog.locator(sel('case-step-submit')).click()
  await dialog.waitFor({ state: 'hidden' })
  await headStatus(page, 'resolved').waitFor({ state: 'visible' })
  await signOut(page)
  await people.close(page)
}

async function confirmAndClose(trackingCode) {
  const page = await people.open('dispatcher-close', DESKTOP)
  await signIn(page, DISPATCHER)
  await openFromTab(page, 'resolved', trackingCode)
  await takeStep(page, 'confirm', 'confirmed')
  await takeStep(page, 'close', 'closed', '楼道杂物已清理完毕，已电话告知反映人。')

  step('the timeline shows report, dispatch, summon, check_in, accept, resolve, confirm, close')
  const actions = await page.locator(sel('timeline-entry')).evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
  const want = ['report', 'dispatch', 'summon', 'check_in', 'accept', 'resolve', 'confirm', 'close']
  const loop = actions.filter((a) => want.includes(a))
  assert(JSON.stringify(loop) === JSON.stringify(want), `the timeline's steps are ${JSON.stringify(actions)}`)
  const text = await page.locator(sel('case-timeline')).innerText()
  for (const word of ['上报', '分拨', '吹哨', '报到', '受理', '办结', '确认', '反馈结案', '网格员', '调度员', '社区工作人员', '部门工作人员']) {
    assert(text.includes(word), `the timeline does not say ${word}: ${text}`)
  }
  assert((await page.locator(`${sel('case-actions')} .el-button[data-testid^="case-action-"]`).count()) === 1, 'a closed case offers more than reopening')
  await screenshot(page, 'cases-closed')
  await signOut(page)
  await people.close(page)
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE, GRID_NAME, DEPARTMENT_NAME, PASSWORD })) return false
  browser = await launchChromium()
  if (!browser) return false
  people = new People(browser, diagnostics)
  let failed = false
  try {
    const category = await createCategory()
    const trackingCode = await report(category)
    await addRuleAndPolicy(category)
    await dispatch(trackingCode)
    const id = await caseId(trackingCode)
    await summon(id)
    await handle(trackingCode, id)
    await confirmAndClose(trackingCode)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    await people?.screenshots('cases-e2e')
  } finally {
    await browser.close()
  }
  return !failed
}

finish(await main())

// Browser test of 码上办 against a running Fengqiao server: a resident scans
// a building's QR code on a phone, without signing in, picks a service,
// describes the problem, attaches a photo, leaves a phone number once
// consent is ticked, and gets a tracking code. The status page follows the
// case as staff (through the API, with the county key) dispatch, accept and
// resolve it; the resident rates the answer with two stars and asks for it
// to be handled again, and the case is back at 上报 with the reopening on
// its timeline. The photo is on the case for staff. Then an admin replaces
// the building's code on its node page, and the old code only says it was
// replaced. On the way, the first tap meets a dead network: the form keeps
// what was typed, the second tap carries the same idempotency key, and the
// server answers that key with the same case.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY (county-wide), TENANT_CODE
// (371326001), CHROMIUM, SCREENSHOT_DIR, E2E_TIMEOUT_MS.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DESKTOP, PHONE, People, apiClient, assert, finish, haveEnv, launchChromium, reportFailure, scratchDir, screenshot, sel, step } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''

const SERVICE = '纠纷化解'
const stamp = Date.now().toString(36).slice(-5)
const description = `楼上卫生间漏水到我家厨房，已经一个星期了，协商不成。E2E${stamp}`
const PHONE_NUMBER = '13912345678'
const result = '司法所已上门调解，楼上住户同意维修防水层。'
const comment = '维修还没完成，厨房仍在渗水'
const reason = '厨房天花板还在渗水，维修没有做完'
const TRACKING_CODE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$/

// A small real PNG (a red square): the server reads the type from the bytes.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGO4YGBAEmIY1TCqYfhqAAA+XjAQexaBIwAAAABJRU5ErkJggg==',
  'base64',
)


/** An API call with the county key, for what staff do in this test. */
const call = apiClient(`${BASE_URL}/api/v1/tenants/${TENANT_CODE}`, API_KEY)

/** The first building of the street and its grid: down the tree one first child at a time. */
async function firstBuilding() {
  step(`find a building of street ${TENANT_CODE}`)
  let node = (await call('GET', '/nodes')).items?.[0]
  let grid = null
  while (node && node.kind !== 'building') {
    if (node.kind === 'grid') grid = node
    node = (await call('GET', `/nodes?parent_id=${node.id}`)).items?.find((n) => !n.archived)
  }
  assert(node && grid, 'the street has no building in a grid')
  return { building: node, grid }
}

/** Opens a node of the street's tree through the search box. */
async function openNode(page, node) {
  await page.fill(sel('node-search'), node.code)
  const hit = page.locator(`${sel('search-hit')}[data-code="${node.code}"]`)
  await hit.waitFor({ state: 'visible' })
  await hit.click()
  await page.waitForFunction(
    ([id, code]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === code,
    ['node-detail-code', node.code],
  )
}

let browser
const diagnostics = []
let people

const noOverflow = async (page, what) => {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert(overflow <= 0, `${what} is ${overflow}px wider than the phone`)
}

/** The category id of the chosen service, as the page knows it. */
const serviceId = (page) => page.locator(`${sel('appeal-service')}[data-name="${SERVICE}"]`).getAttribute('data-id')

const statusIs = (page, status) => page.locator(`${sel('tracking-status')}[data-status="${status}"]`).waitFor({ state: 'visible' })

async function appeal(page, building, token, photoFile) {
  step('scan: the appeal page opens without signing in, for the building')
  const appeals = []
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/appeals') && appeals.push(r))
  await page.goto(`${BASE_URL}/q/${token}`)
  await page.waitForSelector(sel('appeal-form'))
  assert(page.url().endsWith(`/q/${token}`), `the appeal page went to ${page.url()}`)
  assert((await page.locator(sel('app-header')).count()) === 0, 'the resident sees the staff header')
  const place = await page.locator(sel('appeal-place-name')).innerText()
  assert(place.includes(building.name), `the page says the place is "${place}", expected it to name ${building.name}`)
  const services = await page.locator(sel('appeal-service')).evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
  assert(services.includes(SERVICE) && services.includes('信访诉求') && services.includes('法律服务'), `the services are ${JSON.stringify(services)}`)
  const choice = await page.locator(sel('appeal-service')).first().boundingBox()
  assert(choice && choice.height >= 44, `a service button is ${JSON.stringify(choice)}: too small for a thumb`)
  await noOverflow(page, 'the appeal page')
  await screenshot(page, 'residents-appeal-empty')

  step(`choose ${SERVICE}, describe the problem, attach a photo`)
  await page.locator(`${sel('appeal-service')}[data-name="${SERVICE}"]`).tap()
  const categoryId = await serviceId(page)
  await page.fill(sel('appeal-description'), description)
  const counter = await page.locator('.el-input__count').first().innerText()
  assert(counter.includes('2000'), `the description's counter reads "${counter}"`)
  await page.setInputFiles(sel('appeal-photo-input'), photoFile)
  await page.locator(`${sel('appeal-photo')} img[src^="blob:"]`).waitFor({ state: 'visible' })

  step('a phone number without consent is refused on the page')
  await page.fill(sel('appeal-name'), '王女士')
  await page.fill(sel('appeal-phone'), PHONE_NUMBER)
  await page.locator(sel('appeal-submit')).tap()
  await page.locator('.appeal-consent .el-form-item__error').waitFor({ state: 'visible' })
  const consentError = await page.locator('.appeal-consent .el-form-item__error').innerText()
  assert(consentError.includes('个人信息处理说明'), `the consent error reads "${consentError}"`)
  assert(appeals.length === 0, 'the appeal was sent without consent')

  step('tick consent and submit with the network down: the form stays as typed')
  await page.locator(`${sel('appeal-consent')} .el-checkbox__inner`).tap()
  const submit = await page.locator(sel('appeal-submit')).boundingBox()
  assert(submit && submit.height >= 44 && submit.width >= 300, `the submit button is ${JSON.stringify(submit)}: too small for a thumb`)
  await screenshot(page, 'residents-appeal-filled')
  await page.route('**/api/v1/public/scans/*/appeals', (route) => route.abort('internetdisconnected'), { times: 1 })
  await page.locator(sel('appeal-submit')).tap()
  await page.locator(sel('appeal-error'), { hasText: '网络' }).waitFor({ state: 'visible' })
  assert((await page.locator(sel('appeal-description')).inputValue()) === description, 'the description was lost')
  assert((await page.locator(sel('appeal-phone')).inputValue()) === PHONE_NUMBER, 'the phone was lost')
  assert((await page.locator(sel('appeal-photo')).count()) === 1, 'the photo was lost')

  step('tap again: the same idempotency key, and the tracking code is shown large')
  await page.locator(sel('appeal-submit')).tap()
  await page.waitForSelector(sel('appeal-tracking-code'))
  const code = (await page.locator(sel('appeal-tracking-code')).innerText()).trim()
  assert(TRACKING_CODE.test(code), `the tracking code looks wrong: ${code}`)
  assert(appeals.length === 2, `${appeals.length} appeals were sent`)
  const key = appeals[0].headers()['idempotency-key']
  assert(/^[0-9A-Za-z_-]{16,64}$/.test(key ?? ''), `the idempotency key is "${key}"`)
  assert(appeals[1].headers()['idempotency-key'] === key, 'the retry carried another idempotency key')

  step('the same submission sent once more with that key is the same case (200)')
  const again = new FormData()
  for (const [k, v] of Object.entries({ category_id: categoryId, description, name: '王女士', phone: PHONE_NUMBER, consent: 'true' })) again.append(k, v)
  again.append('photos', new Blob([PHOTO], { type: 'image/png' }), '漏水.png')
  const replay = await fetch(`${BASE_URL}/api/v1/public/scans/${token}/appeals`, { method: 'POST', headers: { 'Idempotency-Key': key }, body: again })
  const replayed = await replay.json()
  assert(replay.status === 200 && replayed.tracking_code === code, `the replay answered ${replay.status} ${JSON.stringify(replayed)}, expected 200 and ${code}`)
  const fontSize = await page.locator(sel('appeal-tracking-code')).evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
  assert(fontSize >= 28, `the tracking code is ${fontSize}px: not large`)
  await noOverflow(page, 'the receipt')
  await screenshot(page, 'residents-appeal-done')

  step('the link opens the status page: reported or dispatched, with the report on the timeline')
  await page.locator(sel('appeal-status-link')).tap()
  await page.waitForURL((u) => u.pathname === `/t/${code}`)
  await page.waitForSelector(sel('tracking'))
  const status = await page.locator(sel('tracking')).getAttribute('data-status')
  assert(status === 'reported' || status === 'dispatched', `the new case is ${status}`)
  assert((await page.locator(`${sel('tracking-event')}[data-action="report"]`).count()) === 1, 'the timeline lacks the report')
  const service = await page.locator(sel('tracking-service')).innerText()
  assert(service === SERVICE, `the status page says the service is "${service}"`)
  await noOverflow(page, 'the status page')
  await screenshot(page, 'residents-status-new')
  return code
}

/** Staff move the case to resolved through the API, as the centre and the department would. */
async function resolve(code) {
  step('staff find the case by its tracking code: a qr case with the photo and the phone')
  const list = await call('GET', `/cases?tracking_code=${encodeURIComponent(code)}`)
  assert(list.items?.length === 1, `tracking code ${code} finds ${JSON.stringify(list.items)}`)
  const id = list.items[0].id
  let c = await call('GET', `/cases/${id}`)
  assert(c.channel === 'qr', `the case came in through ${c.channel}, expected qr`)
  assert(c.attachments?.length === 1, `the case has ${c.attachments?.length ?? 0} photos, expected 1`)
  assert(c.reporter_phone?.replace(/\D/g, '') === PHONE_NUMBER || c.reporter_phone?.includes('****'), `the case's phone is "${c.reporter_phone}"`)
  assert(c.description === description, `the case's description is "${c.description}"`)
  const photo = await fetch(`${BASE_URL}${c.attachments[0].url}`, { headers: { Authorization: `Bearer ${API_KEY}` } })
  assert(photo.ok && (await photo.arrayBuffer()).byteLength === PHOTO.length, `the photo answers ${photo.status}`)

  if (c.status === 'reported') {
    step('dispatch to a department')
    let departments = (await call('GET', '/departments')).items ?? []
    if (!departments.some((d) => !d.archived)) departments = [await call('POST', '/departments', { name: `司法所E2E${stamp}`, kind: 'justice' })]
    const department = departments.find((d) => d.name === '司法所' && !d.archived) ?? departments.find((d) => !d.archived)
    const hours = (h) => new Date(Date.now() + h * 3600_000).toISOString()
    await call('POST', `/cases/${id}/dispatch`, { department_id: department.id, leader_name: '李主任', accept_due: hours(4), complete_due: hours(72) })
  }
  step('accept and resolve')
  await call('POST', `/cases/${id}/accept`, {})
  await call('POST', `/cases/${id}/resolve`, { note: result })
  c = await call('GET', `/cases/${id}`)
  assert(c.status === 'resolved', `the case is ${c.status} after resolving`)
  return id
}

async function rateAndReopen(page, code) {
  step('reload: resolved, with the result; rating and reopening are offered')
  await page.reload()
  await statusIs(page, 'resolved')
  const steps = await page.locator(sel('tracking-steps')).getAttribute('data-active')
  assert(steps === '4', `the stepper has ${steps} steps done for a resolved case, expected 4`)
  const shown = await page.locator(sel('tracking-result')).innerText()
  assert(shown === result, `the result reads "${shown}"`)
  const department = await page.locator(sel('tracking-department')).innerText()
  assert(department && department !== '尚未分拨', `the department reads "${department}"`)
  await page.locator(sel('tracking-rate')).waitFor({ state: 'visible' })
  await page.locator(sel('tracking-reopen')).waitFor({ state: 'visible' })
  const until = await page.locator(sel('tracking-reopen-until')).innerText()
  assert(until.includes('北京时间'), `the reopen window reads "${until}"`)
  await screenshot(page, 'residents-status-resolved')

  step('rate two stars with a comment')
  await page.locator(`${sel('tracking-score')} .el-rate__item`).nth(1).tap()
  await page.fill(sel('tracking-comment'), comment)
  await page.locator(sel('tracking-rate-submit')).tap()
  await page.locator(`${sel('tracking-rating')}[data-score="2"]`).waitFor({ state: 'visible' })
  assert((await page.locator(sel('tracking-rate')).count()) === 0, 'rating is still offered after rating')
  assert((await page.locator(`${sel('tracking-event')}[data-action="rate"]`).count()) === 1, 'the timeline lacks the rating')

  step('not satisfied: ask for it to be handled again, with a reason')
  await page.locator(sel('tracking-reopen-open')).tap()
  await page.locator(sel('tracking-reopen-submit')).tap()
  await page.locator(sel('tracking-reason-error')).waitFor({ state: 'visible' })
  await page.fill(sel('tracking-reason'), reason)
  await screenshot(page, 'residents-reopen-form')
  await page.locator(sel('tracking-reopen-submit')).tap()
  await statusIs(page, 'reported')
  const active = await page.locator(sel('tracking-steps')).getAttribute('data-active')
  assert(active === '1', `the stepper has ${active} steps done after reopening, expected 1 (上报)`)
  const label = await page.locator(sel('tracking-status')).innerText()
  assert(label.includes('已上报'), `the status reads "${label}"`)
  const reopen = page.locator(`${sel('tracking-event')}[data-action="reopen"]`)
  assert((await reopen.count()) === 1, 'the timeline lacks the reopening')
  const text = await reopen.innerText()
  assert(text.includes('申请重新办理') && text.includes(reason), `the reopening reads "${text}"`)
  assert((await page.locator(sel('tracking-reopen')).count()) === 0, 'reopening is still offered after reopening')
  await noOverflow(page, 'the status page')
  await screenshot(page, 'residents-status-reopened')

  step('the code typed in lower case without dashes finds the case')
  await page.goto(`${BASE_URL}/t`)
  await page.fill(sel('tracking-code-input'), code.replaceAll('-', '').toLowerCase())
  await page.locator(sel('tracking-lookup-submit')).tap()
  await page.waitForURL((u) => u.pathname === `/t/${code}`)
  await statusIs(page, 'reported')
}

async function staffReopened(id) {
  step('staff see the reopening and the rating on the case')
  const c = await call('GET', `/cases/${id}`)
  assert(c.status === 'reported', `the case is ${c.status} for staff, expected reported`)
  const actions = (c.timeline ?? []).map((e) => e.action)
  assert(actions.includes('reopen') && actions.includes('rate'), `the staff timeline is ${JSON.stringify(actions)}`)
  assert(c.attachments?.length === 1, `the case has ${c.attachments?.length ?? 0} photos after reopening`)
}

/** The admin prints the grid's labels, opens the building on the tree, and replaces its code. */
async function replaceCode(building, grid, token) {
  const page = await people.open('admin', DESKTOP)
  step(`the admin prints the QR labels of ${grid.name}: an A4 sheet in a new tab`)
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(sel('header-scope'))
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}`)
  await openNode(page, grid)
  const [sheet] = await Promise.all([page.context().waitForEvent('page'), page.click(sel('node-qr-labels'))])
  await sheet.waitForURL(/^blob:/)
  await sheet.waitForSelector('.sheet .label svg')
  const labels = await sheet.locator('.label').count()
  const sheetText = await sheet.locator('body').innerText()
  assert(labels >= 2 && sheetText.includes(building.code) && sheetText.includes('码上办'), `the sheet has ${labels} labels and reads "${sheetText.slice(0, 200)}"`)
  await screenshot(sheet, 'residents-labels')
  await sheet.close()

  step('the admin opens the building on the tree: its QR code is shown')
  await openNode(page, building)
  await page.locator(`${sel('node-qr')}[data-token="${token}"]`).waitFor({ state: 'visible' })
  await page.locator(`${sel('node-qr-image')}[src^="blob:"]`).waitFor({ state: 'visible' })
  const loaded = await page.locator(sel('node-qr-image')).evaluate((img) => img.complete && img.naturalWidth > 0)
  assert(loaded, 'the QR image did not load')
  const url = await page.locator(sel('node-qr-url')).innerText()
  assert(url.endsWith(`/q/${token}`), `the code holds ${url}`)

  step('download the PNG')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(sel('node-qr-png'))])
  assert(download.suggestedFilename() === `qr-${building.code}.png`, `the PNG is named ${download.suggestedFilename()}`)
  await screenshot(page, 'residents-node-qr')

  step('replace the code, after the warning')
  await page.click(sel('node-qr-rotate'))
  const box = page.locator('.el-message-box')
  await box.waitFor({ state: 'visible' })
  const warning = await box.innerText()
  assert(warning.includes('旧二维码立即失效'), `the warning reads "${warning}"`)
  await box.locator('.el-button--danger').click()
  await page.waitForFunction(
    ([s, old]) => {
      const t = document.querySelector(s)?.getAttribute('data-token')
      return !!t && t !== old
    },
    [sel('node-qr'), token],
  )
  const fresh = await page.locator(sel('node-qr')).getAttribute('data-token')
  const api = await call('GET', `/nodes/${building.id}/qr`)
  assert(api.token === fresh, `the page shows token ${fresh}, the API ${api.token}`)
  return fresh
}

async function oldCodeReplaced(page, oldToken, newToken) {
  step('the old code only says it was replaced; the new one works')
  await page.goto(`${BASE_URL}/q/${oldToken}`)
  await page.waitForSelector(sel('scan-replaced'))
  const text = await page.locator(sel('scan-replaced')).innerText()
  assert(text.includes('此二维码已更换'), `the replaced page reads "${text}"`)
  assert((await page.locator(sel('appeal-form')).count()) === 0, 'a replaced code still offers the form')
  await screenshot(page, 'residents-replaced')
  await page.goto(`${BASE_URL}/q/${newToken}`)
  await page.waitForSelector(sel('appeal-form'))
  await page.goto(`${BASE_URL}/q/not-a-real-code-${stamp}`)
  await page.waitForSelector(sel('scan-unknown'))
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE })) return false
  browser = await launchChromium()
  if (!browser) return false
  people = new People(browser, diagnostics)
  const photoFile = join(scratchDir(), '漏水.png')
  writeFileSync(photoFile, PHOTO)
  let failed = false
  try {
    const { building, grid } = await firstBuilding()
    step(`get the QR code of ${building.name} (${building.code})`)
    const qr = await call('GET', `/nodes/${building.id}/qr`)
    assert(qr.token && qr.url.endsWith(`/q/${qr.token}`), `the QR code is ${JSON.stringify(qr)}`)

    const phone = await people.open('resident', PHONE)
    const code = await appeal(phone, building, qr.token, photoFile)
    const id = await resolve(code)
    await rateAndReopen(phone, code)
    await staffReopened(id)
    const fresh = await replaceCode(building, grid, qr.token)
    await oldCodeReplaced(phone, qr.token, fresh)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    await people?.screenshots('residents-e2e')
  } finally {
    await browser.close()
  }
  return !failed
}

finish(await main())

// Browser test of a street's hierarchy page against a running Fengqiao server:
// connect with an API key from the URL fragment, import a CSV branch, check the
// tree, import a broken CSV and read the error report, then search.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY, TENANT_CODE, STREET_CODE
// (defaults to TENANT_CODE), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (default the OS temp dir), E2E_TIMEOUT_MS (default 15000).
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { assert, finish, haveEnv, launchChromium, reportFailure, scratchDir, screenshot, sel, step, watch } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''
const STREET_CODE = process.env.STREET_CODE || TENANT_CODE


// A community code unlikely to exist already (suffix 500–989), and names unique to this run.
const stamp = Date.now().toString(36).slice(-6)
const communityCode = `${STREET_CODE}${500 + (Date.now() % 490)}`
const zoneCode = `${communityCode}01`
const gridCode = `${zoneCode}001`
const buildingCode = `${gridCode}001`
const communityName = `E2E测试社区${stamp}`

const goodCsv = [
  'level,code,name,parent_code',
  `community,${communityCode},${communityName},${STREET_CODE}`,
  `zone,${zoneCode},E2E片区${stamp},${communityCode}`,
  `grid,${gridCode},E2E网格${stamp},${zoneCode}`,
  `building,${buildingCode},E2E楼栋${stamp},${gridCode}`,
].join('\n')

// Line 2: a parent that does not exist; line 3: an unknown level.
const badCsv = [
  'level,code,name,parent_code',
  `zone,${STREET_CODE}99901,E2E坏上级${stamp},${STREET_CODE}999`,
  `village_x,${STREET_CODE}998,E2E坏层级${stamp},${STREET_CODE}`,
].join('\n')

async function importFile(page, file) {
  await page.click(sel('import-button'))
  const dialog = page.locator(`.el-dialog${sel('import-dialog')}`)
  await dialog.waitFor({ state: 'visible' })
  await page.setInputFiles(`${sel('import-upload')} input[type=file]`, file)
  // Either outcome ends the upload; which one is checked by the caller.
  await page.waitForSelector(`${sel('import-result')}, ${sel('import-failure')}`)
  return dialog
}

async function closeDialog(dialog) {
  await dialog.locator('.el-dialog__footer button').click()
  await dialog.waitFor({ state: 'hidden' })
}

async function run(page, goodFile, badFile) {
  step('connect with the key from the URL fragment')
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(`${sel('header-scope')}, ${sel('api-key-input')}`)
  assert(!page.url().includes('/connect'), 'the app went to /connect: the API key was rejected or GET /api/v1/me failed')
  assert(!page.url().includes('#key='), `the key was not stripped from the URL: ${page.url()}`)
  const stored = await page.evaluate(() => localStorage.getItem('fengqiao.apiKey'))
  assert(stored === API_KEY, 'the key from the fragment was not stored in localStorage')

  step(`open /streets/${TENANT_CODE} and wait for the tree`)
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}`)
  await page.waitForSelector(`${sel('hierarchy-tree')} ${sel(`tree-node-${STREET_CODE}`)}`)

  step('import a CSV with one community, zone, grid and building')
  let dialog = await importFile(page, goodFile)
  const failure = await page.locator(sel('import-failure')).count()
  if (failure) {
    const text = await page.locator(sel('import-failure')).innerText()
    throw new Error(`the import failed: ${text.replace(/\s+/g, ' ')}`)
  }
  const created = (await page.locator(sel('import-created-total')).innerText()).trim()
  assert(created === '4', `the success summary shows ${created} created nodes, expected 4`)
  for (const kind of ['community', 'zone', 'grid', 'building']) {
    const n = (await page.locator(sel(`import-created-${kind}`)).innerText()).trim()
    assert(n === '1', `the success summary shows ${n} created ${kind} nodes, expected 1`)
  }
  await closeDialog(dialog)

  step('the new community appears in the tree')
  const communityNode = page.locator(`${sel('hierarchy-tree')} ${sel(`tree-node-${communityCode}`)}`)
  await communityNode.waitFor({ state: 'visible' })
  const label = await communityNode.innerText()
  assert(label.includes(communityName), `the tree node ${communityCode} reads "${label}", expected the name ${communityName}`)

  step('import a CSV with an unknown parent code and a bad level')
  dialog = await importFile(page, badFile)
  await page.waitForSelector(sel('import-error-row'))
  const lines = await page.locator(sel('import-error-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))
  assert(lines.includes('2'), `the error report does not list line 2 (unknown parent_code); lines: ${JSON.stringify(lines)}`)
  assert(lines.includes('3'), `the error report does not list line 3 (bad level); lines: ${JSON.stringify(lines)}`)
  assert((await page.locator(sel('import-result')).count()) === 0, 'a failed import also shows a success summary')
  await closeDialog(dialog)

  step(`search for "${communityName}"`)
  await page.fill(sel('node-search'), communityName)
  const hit = page.locator(`${sel('search-hit')}[data-code="${communityCode}"]`)
  await hit.waitFor({ state: 'visible' })
  await hit.click()
  await page.waitForFunction(
    ([id, code]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === code,
    ['node-detail-code', communityCode],
  )
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE })) return false

  const browser = await launchChromium()
  if (!browser) return false

  const dir = scratchDir()
  const goodFile = join(dir, 'hierarchy-good.csv')
  const badFile = join(dir, 'hierarchy-bad.csv')
  writeFileSync(goodFile, goodCsv + '\n')
  writeFileSync(badFile, badCsv + '\n')

  let failed = false
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const diagnostics = []
  watch(page, 'admin', diagnostics)

  try {
    await run(page, goodFile, badFile)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    await screenshot(page, 'tree-e2e')
  } finally {
    await browser.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return !failed
}

finish(await main())

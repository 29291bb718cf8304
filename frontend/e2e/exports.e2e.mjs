// Browser test of an export against a running Fengqiao server: connect with
// an API key, open a street's case list on a tab that filters by status, press "导出 XLSX",
// follow the export on the export centre until its bar reaches 100%,
// download the file and read its sheet: the header row and one row per case
// the list holds with the same filters, as many as the page says.
//
// Env: BASE_URL, API_KEY, TENANT_CODE, CHROMIUM, SCREENSHOT_DIR, E2E_TIMEOUT_MS.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { apiClient, assert, finish, haveEnv, launchChromium, reportFailure, scratchDir, screenshot, sel, step, watch } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const TENANT_CODE = process.env.TENANT_CODE ?? ''

/** One file of a zip archive (an XLSX is one), read through its central directory. */
function unzipEntry(buf, name) {
  let eocd = buf.length - 22
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--
  assert(eocd >= 0, 'not a zip file')
  const entries = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  for (let i = 0; i < entries; i++) {
    const method = buf.readUInt16LE(p + 10)
    const size = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const entry = buf.toString('utf8', p + 46, p + 46 + nameLen)
    if (entry === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
      const data = buf.subarray(start, start + size)
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8')
    }
    p += 46 + nameLen + extraLen + commentLen
  }
  throw new Error(`${name} is not in the archive`)
}

const call = apiClient(`${BASE_URL}/api/v1`, API_KEY)
const api = (path) => call('GET', path)

/** How many cases the list holds with these filters, page by page. */
async function listCount(filters) {
  let n = 0
  let cursor = ''
  for (;;) {
    const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, String(v)])), limit: '200' })
    if (cursor) q.set('cursor', cursor)
    const page = await api(`/tenants/${TENANT_CODE}/cases?${q}`)
    n += (page.items ?? []).length
    if (!page.next_cursor) return n
    cursor = page.next_cursor
  }
}

async function run(page, dir) {
  step('connect with the key from the URL fragment')
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(sel('header-scope'))

  step('open the case list on the tab of resolved cases awaiting confirmation (a status filter)')
  await page.goto(`${BASE_URL}/streets/${TENANT_CODE}/cases?tab=resolved`)
  await page.waitForSelector(`${sel('cases-tab')}[data-tab="resolved"]`)
  await page.waitForSelector(sel('case-row'))

  step('export to XLSX and land on the export centre')
  await page.click(sel('cases-export'))
  await page.waitForURL(/\/exports$/)
  await page.waitForSelector(sel('export-row'))

  step('watch the progress bar reach 100%')
  const seen = new Set()
  const deadline = Date.now() + 60_000
  for (;;) {
    const percent = await page.locator(sel('export-progress')).first().getAttribute('data-percent')
    seen.add(percent)
    if (percent === '100' && (await page.locator(sel('export-download')).count()) > 0) break
    assert(Date.now() < deadline, `the export stayed at ${percent}% (seen ${[...seen].join(', ')})`)
    await page.waitForTimeout(100)
  }
  const status = await page.locator(sel('export-row')).first().getAttribute('data-status')
  assert(status === 'done', `status ${status}, not done`)
  const shownRows = Number(await page.locator(sel('export-rows')).first().getAttribute('data-rows'))
  console.log(`e2e: bar went through ${[...seen].join(' → ')}%; the page says ${shownRows} rows`)

  step('the export holds what the list holds with the same filters')
  const mine = (await api('/exports')).items ?? []
  assert(mine.length >= 1, 'the API lists no export')
  const latest = mine[0]
  assert(latest.status === 'done' && latest.row_count === shownRows, `API: ${latest.status}, ${latest.row_count} rows; page: ${shownRows}`)
  const listed = await listCount(latest.filters)
  assert(listed === shownRows, `the list holds ${listed} cases with ${JSON.stringify(latest.filters)}, the export ${shownRows}`)
  assert(shownRows > 0, 'an empty export proves little: seed the demo cases')
  assert(latest.filters.status === 'resolved', `the export's filters ${JSON.stringify(latest.filters)} are not the tab's`)

  step('download the file and read its sheet')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(sel('export-download'))])
  const name = download.suggestedFilename()
  assert(/^案件台账-.+\.xlsx$/.test(name), `file name ${name}`)
  const file = join(dir, 'export.xlsx')
  await download.saveAs(file)
  const sheet = unzipEntry(readFileSync(file), 'xl/worksheets/sheet1.xml')
  const rows = (sheet.match(/<row /g) ?? []).length
  assert(rows === shownRows + 1, `the sheet has ${rows} rows, expected ${shownRows} and the header`)
  assert(sheet.includes('<pane ') && sheet.includes('state="frozen"'), 'the header row is not frozen')
  let strings = sheet
  try {
    strings += unzipEntry(readFileSync(file), 'xl/sharedStrings.xml')
  } catch {
    // the stream writer writes its strings inline
  }
  for (const header of ['跟踪码', '上报时间', '督办级别']) assert(strings.includes(header), `no header ${header}`)
  console.log(`e2e: ${name}: ${rows - 1} rows and the header`)
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, TENANT_CODE })) return false
  const browser = await launchChromium()
  if (!browser) return false
  const dir = scratchDir()
  let failed = false
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true })
  const diagnostics = []
  watch(page, 'exporter', diagnostics)
  try {
    await run(page, dir)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    await screenshot(page, 'exports-e2e')
  } finally {
    await browser.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return !failed
}

finish(await main())

// Browser test of the county ranking (考核排名) against a running Fengqiao
// server with its River jobs: cases reported (and some resolved on the spot)
// through the API give the streets different resolution rates; a scheme is
// created through the API; the assessment page requests this month's ranking
// and follows its progress to done; the ranking page lists every street of
// the county with its rank, the bottom one red and tagged 约谈, as the API
// says; the bar chart draws, the radar draws after picking two streets, and
// a street's ranks across periods are listed.
//
// Env: BASE_URL (http://127.0.0.1:PORT), API_KEY (county-wide, county:write),
// COUNTY_CODE (371326), CHROMIUM, SCREENSHOT_DIR, E2E_TIMEOUT_MS.
import { apiClient, assert, finish, haveEnv, launchChromium, reportFailure, screenshot, sel, step, watch } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const COUNTY_CODE = process.env.COUNTY_CODE || '371326'

const stamp = Date.now().toString(36).slice(-5)
const SCHEME_NAME = `E2E考核办法${stamp}`

/** An API call with the county key. */
const call = apiClient(`${BASE_URL}/api/v1`, API_KEY)

/**
 * Reports `total` cases in a street and resolves `resolved` of them on the
 * spot, so that its resolution rate is resolved / total.
 */
async function seedCases(street, total, resolved) {
  step(`report ${total} case(s) in ${street.name}, ${resolved} resolved on the spot`)
  const categories = (await call('GET', `/tenants/${street.code}/categories`)).items ?? []
  assert(categories.length, `${street.name} has no categories`)
  const hits = (await call('GET', `/tenants/${street.code}/nodes/search?q=${encodeURIComponent('网格')}&limit=10`)).items ?? []
  const grid = hits.find((h) => h.kind === 'grid') ?? hits[0]
  assert(grid, `${street.name} has no grid`)
  for (let i = 0; i < total; i++) {
    const c = await call('POST', `/tenants/${street.code}/cases`, {
      channel: 'hotline_12345',
      category_id: categories[0].id,
      grade: 'general',
      title: `考核测试 E2E${stamp}-${street.code}-${i}`,
      node_id: grid.id,
    })
    if (i < resolved) await call('POST', `/tenants/${street.code}/cases/${c.id}/self-resolve`, { note: '当场化解' })
  }
}

async function run(page) {
  step('list the streets of the county and the indicators')
  const streets = (await call('GET', `/counties/${COUNTY_CODE}/tenants`)).items ?? []
  assert(streets.length >= 3, `the county has ${streets.length} streets, expected at least 3`)
  const indicators = (await call('GET', `/counties/${COUNTY_CODE}/assessment/indicators`)).items ?? []
  assert(indicators.some((i) => i.code === 'resolution_rate'), 'no resolution_rate indicator')

  // Resolution rates 100%, 50% and none: the third street has no data.
  await seedCases(streets[0], 1, 1)
  await seedCases(streets[1], 2, 1)

  step('create a scheme through the API: three rates, bottom 1 for an interview')
  const scheme = await call('POST', `/counties/${COUNTY_CODE}/assessment/schemes`, {
    name: SCHEME_NAME,
    bottom_n: 1,
    bottom_action: 'interview',
    nightly: false,
    indicators: [
      { indicator: 'resolution_rate', weight: 70 },
      { indicator: 'satisfaction_rate', weight: 20 },
      { indicator: 'first_time_resolution_rate', weight: 10 },
    ],
  })

  step('connect with the county key; the header links to the ranking')
  await page.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await page.waitForSelector(sel('header-scope'))
  await page.click(sel('header-assessment'))
  await page.waitForURL(/\/county\/assessment/)

  step('pick the scheme')
  await page.goto(`${BASE_URL}/county/assessment?scheme=${scheme.id}`)
  await page.waitForSelector(sel('scheme-summary'))
  const picked = await page.locator(`${sel('scheme-select')} .el-select__selected-item:not(.is-hidden)`).first().innerText()
  assert(picked.includes(SCHEME_NAME), `the scheme picker shows "${picked}", expected ${SCHEME_NAME}`)
  assert(await page.locator(`${sel('period-kind-month')}.is-active`).count(), 'the period does not start at a month')

  step('生成排名: request this month and watch the progress bar reach done')
  await page.click(sel('generate-ranking'))
  await page.waitForSelector(sel('ranking-progress'))
  await page.waitForSelector(`${sel('ranking-progress')}[data-status="done"], ${sel('ranking-progress')}[data-status="failed"]`, { timeout: 60000 })
  const status = await page.locator(sel('ranking-progress')).getAttribute('data-status')
  if (status === 'failed') throw new Error(`the ranking failed: ${await page.locator(sel('ranking-error')).innerText()}`)
  const bar = await page.locator(`${sel('ranking-progress')} .el-progress`).getAttribute('aria-valuenow')
  assert(bar === '100', `the progress bar reads ${bar} at done`)
  const rankingId = Number(await page.locator(sel('ranking-progress')).getAttribute('data-id'))
  const api = await call('GET', `/counties/${COUNTY_CODE}/assessment/rankings/${rankingId}`)
  assert(api.status === 'done' && (api.results ?? []).length === streets.length, `the API's ranking: ${JSON.stringify(api).slice(0, 300)}`)
  assert(await page.locator(`${sel('ranking-link')}[data-id="${rankingId}"]`).count(), 'the scheme\'s rankings do not list the new one')

  const label = (await page.locator(`${sel('ranking-progress')} .assessment-progress__head span`).first().innerText()).trim()
  assert(/^\d{4}年\d{1,2}月$/.test(label) && label === api.label, `the ranking is labelled "${label}" (API: "${api.label}"), expected this month's`)

  await screenshot(page, 'assessment')

  step('open the ranking: every street with its rank')
  await page.click(sel('open-ranking'))
  await page.waitForURL(new RegExp(`/county/assessment/rankings/${rankingId}$`))
  await page.waitForSelector(sel('ranking-row'))
  const rows = await page.locator(sel('ranking-row')).evaluateAll((els) =>
    els.map((e) => ({
      street: e.getAttribute('data-street'),
      rank: Number(e.getAttribute('data-rank')),
      bottom: e.getAttribute('data-bottom') === '1',
      red: !!e.closest('tr')?.classList.contains('is-bottom'),
      tag: e.closest('tr')?.querySelector('[data-testid="bottom-tag"]')?.textContent?.trim() ?? '',
    })),
  )
  assert(rows.length === streets.length, `the table has ${rows.length} rows for ${streets.length} streets`)
  for (const s of streets) assert(rows.some((r) => r.street === s.name), `${s.name} is missing from the table`)
  assert(rows[0].rank === 1, `the first row ranks ${rows[0].rank}`)
  for (let i = 1; i < rows.length; i++) assert(rows[i].rank >= rows[i - 1].rank, `ranks out of order: ${JSON.stringify(rows)}`)
  for (const r of rows) {
    const want = api.results.find((x) => x.street_name === r.street)
    assert(want && want.rank === r.rank && want.bottom === r.bottom, `${r.street}: the page says rank ${r.rank} bottom ${r.bottom}, the API ${JSON.stringify(want)}`)
  }
  assert(rows[0].street === streets[0].name, `${streets[0].name} (100%) should rank first: ${JSON.stringify(rows)}`)

  step('the bottom-ranked street is red and tagged 约谈')
  const bottoms = rows.filter((r) => r.bottom)
  assert(bottoms.length >= 1, `no bottom-ranked row: ${JSON.stringify(rows)}`)
  assert(bottoms.some((r) => r.street === streets[2].name), `${streets[2].name} (no data) should be named: ${JSON.stringify(rows)}`)
  for (const r of rows) {
    assert(r.red === r.bottom, `${r.street}: red ${r.red}, bottom ${r.bottom}`)
    assert(r.bottom ? r.tag === '约谈' : r.tag === '', `${r.street}: tag "${r.tag}"`)
  }
  const bg = await page.locator('tr.is-bottom td').first().evaluate((td) => getComputedStyle(td).backgroundColor)
  assert(bg !== 'rgba(0, 0, 0, 0)' && bg !== 'rgb(255, 255, 255)', `the bottom row's background is ${bg}`)
  const figure = (await page.locator(`tr:has([data-street="${streets[1].name}"]) ${sel('ranking-figure')}[data-indicator="resolution_rate"]`).innerText()).trim()
  assert(figure === '1 / 2 = 50.0%', `${streets[1].name}'s resolution rate reads "${figure}"`)
  const none = (await page.locator(`tr:has([data-street="${streets[2].name}"]) ${sel('ranking-figure')}[data-indicator="resolution_rate"]`).innerText()).trim()
  assert(none === '无数据', `${streets[2].name}'s resolution rate reads "${none}"`)

  step('the bar chart of scores is drawn')
  await page.waitForSelector(`${sel('ranking-bar')} canvas`)
  const size = await page.locator(`${sel('ranking-bar')} canvas`).first().evaluate((c) => [c.width, c.height])
  assert(size[0] > 100 && size[1] > 100, `the bar chart's canvas is ${size}`)

  step('pick two streets: the radar compares them')
  assert((await page.locator(sel('ranking-radar')).count()) === 0, 'the radar shows before two streets are picked')
  for (const s of [streets[0], streets[2]]) {
    await page.click(sel('radar-streets'))
    await page.locator(`${sel('radar-option')}[data-street="${s.name}"]`).click()
  }
  await page.keyboard.press('Escape')
  await page.waitForSelector(`${sel('ranking-radar')} canvas`)
  const compared = await page.locator(`${sel('compare-table')} th`).allInnerTexts()
  assert(compared.some((h) => h.includes(streets[0].name)) && compared.some((h) => h.includes(streets[2].name)), `the side-by-side table heads: ${compared}`)

  step('one street across periods')
  await page.click(sel('across-street'))
  await page.locator(`${sel('across-option')}[data-street="${streets[1].name}"]`).click()
  await page.waitForSelector(sel('across-rank'))
  const across = await page.locator(sel('across-rank')).allInnerTexts()
  const mid = rows.find((r) => r.street === streets[1].name)
  assert(across.length === 1 && across[0].trim() === `${mid.rank} / ${rows.length}`, `across periods: ${across}`)
  await screenshot(page, 'ranking')

  step('the ranking exports to XLSX through the export centre')
  await page.click(sel('ranking-export'))
  await page.waitForURL(/\/exports$/)
  await page.waitForSelector(`${sel('export-row')}[data-status="done"]`, { timeout: 60_000 })
  const exported = await page.locator(`${sel('export-row')}[data-status="done"]`).first()
  const count = await page.locator(sel('export-rows')).first().getAttribute('data-rows')
  assert(Number(count) === rows.length, `the ranking's export has one row per street: ${count} vs ${rows.length}`)
  assert(await exported.isVisible(), 'the done export is listed')

  step("the period's indicator table exports too")
  await page.goto(`${BASE_URL}/county/assessment`)
  await page.click(sel('export-indicators'))
  await page.waitForURL(/\/exports$/)
  await page.waitForFunction((s) => document.querySelectorAll(`${s}[data-status="done"]`).length === 2, sel('export-row'), { timeout: 60_000 })
  const tableRows = await page.locator(sel('export-rows')).first().getAttribute('data-rows')
  assert(Number(tableRows) === rows.length, `the indicator table has one row per street: ${tableRows} vs ${rows.length}`)
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY })) return finish(false)
  const browser = await launchChromium()
  if (!browser) return finish(false)
  const diagnostics = []
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'zh-CN' })
  const page = await context.newPage()
  watch(page, 'county', diagnostics)
  let passed = false
  try {
    await run(page)
    passed = true
  } catch (e) {
    reportFailure(e, diagnostics)
    await screenshot(page, 'ranking-failure')
  } finally {
    await browser.close()
  }
  finish(passed)
}

await main()

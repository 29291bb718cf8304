// Browser test of a whole observation competition (观摩评比) with five judges
// against a running Fengqiao server with Kratos and the demo county:
//   1. the county administrator (county API key via #key=) creates a
//      competition, adds three participants (two streets and a community of
//      one of them, from the pickers), three weighted criteria and the five
//      judges, and opens it;
//   2. each judge signs in on a phone, lands on the competitions they judge,
//      opens the scoring sheet and gives nine scores (the first judge also
//      sees a score over the maximum refused and revises a score);
//   3. the administrator locks it (no scores missing), computes the results
//      (the progress bar reaches 100%), publishes them, and the results page
//      shows the ranks, trimmed means and totals the scores imply; the XLSX
//      downloads.
//
// The scores (per participant and criterion, judges 1–5) are those of the Go
// tests: 平邑街道 and 仲村镇 both get trimmed means 85, 80 and 41.67, so
// they share rank 1 with 74.83 (without trimming 仲村镇 would win, 74.9 to
// 74.7); 平邑街道 东关社区 gets 80, 70, 30: 67.00, rank 3.
//
// Env: BASE_URL, API_KEY (county-wide), JUDGES (five sign-in emails, comma
// separated, in order), JUDGE_NAMES (their names, same order), PASSWORD,
// CHROMIUM, SCREENSHOT_DIR, E2E_TIMEOUT_MS.
import { DESKTOP, PHONE, assert, finish, haveEnv, launchChromium, reportFailure, screenshot, sel, step, watch } from './harness.mjs'

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '')
const API_KEY = process.env.API_KEY ?? ''
const JUDGES = (process.env.JUDGES ?? '').split(',').filter(Boolean)
const JUDGE_NAMES = (process.env.JUDGE_NAMES ?? '').split(',').filter(Boolean)
const PASSWORD = process.env.PASSWORD ?? ''

const ADMIN_DESKTOP = { ...DESKTOP, acceptDownloads: true }

const stamp = Date.now().toString(36).slice(-5)
const NAME = `2026年度观摩评比E2E${stamp}`
const PARTICIPANTS = [
  { street: '平邑街道', name: '平邑街道' },
  { street: '仲村镇', name: '仲村镇' },
  { street: '平邑街道', community: '东关社区', name: '平邑街道 东关社区' },
]
const CRITERIA = [
  { name: '矛盾化解', weight: '0.5', max: '100' },
  { name: '网格治理', weight: '0.3', max: '100' },
  { name: '群众满意', weight: '0.2', max: '50' },
]
// cells[participant][criterion][judge]
const CELLS = [
  [[90, 80, 85, 70, 100], [80, 80, 80, 80, 80], [40, 45, 50, 30, 40]],
  [[85, 85, 85, 85, 85], [70, 80, 90, 80, 80], [40, 45, 40, 45, 40]],
  [[60, 70, 80, 90, 100], [50, 60, 70, 80, 90], [30, 30, 30, 30, 30]],
]
const EXPECTED = [
  { rank: '1', name: '平邑街道', means: ['85.00', '80.00', '41.67'], total: '74.83' },
  { rank: '1', name: '仲村镇', means: ['85.00', '80.00', '41.67'], total: '74.83' },
  { rank: '3', name: '平邑街道 东关社区', means: ['80.00', '70.00', '30.00'], total: '67.00' },
]

/** Picks the visible option of an Element Plus select by its text. */
async function choose(page, selectId, text) {
  await page.click(`${sel(selectId)} .el-select__wrapper`)
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: text })
  await option.first().waitFor({ state: 'visible' })
  await option.first().click()
}

async function setUp(admin) {
  step('connect as the county administrator with the key from the URL fragment')
  await admin.goto(`${BASE_URL}/#key=${encodeURIComponent(API_KEY)}`)
  await admin.waitForSelector(sel('header-scope'))

  step('open 观摩评比 from the header and create a competition')
  await admin.click(sel('header-competitions'))
  await admin.waitForSelector(sel('competitions-title'))
  await admin.click(sel('competition-new'))
  await admin.fill(sel('competition-name'), NAME)
  await admin.click(sel('competition-create-submit'))
  await admin.waitForURL(/\/county\/competitions\/\d+$/)
  await admin.waitForSelector(`${sel('competition-status')}[data-status="draft"]`)
  const url = admin.url()

  for (const p of PARTICIPANTS) {
    step(`add the participant ${p.name}`)
    await choose(admin, 'participant-street', p.street)
    if (p.community) {
      // The community picker fills once the street's communities are loaded.
      await admin.waitForFunction(
        (s) => !document.querySelector(s)?.classList.contains('is-disabled'),
        `${sel('participant-community')} .el-select__wrapper`,
      )
      await choose(admin, 'participant-community', p.community)
    }
    const before = await admin.locator(sel('participant-row')).count()
    await admin.click(sel('participant-add'))
    await admin.waitForFunction(
      ([s, n]) => document.querySelectorAll(s).length === n,
      [sel('participant-row'), before + 1],
    )
  }
  const names = await admin.locator(sel('participant-row')).allInnerTexts()
  assert(JSON.stringify(names) === JSON.stringify(PARTICIPANTS.map((p) => p.name)), `participants: ${JSON.stringify(names)}`)

  for (const c of CRITERIA) {
    step(`add the criterion ${c.name} (weight ${c.weight}, max ${c.max})`)
    await admin.fill(sel('criterion-name'), c.name)
    await admin.fill(`${sel('criterion-weight')} input`, c.weight)
    await admin.fill(`${sel('criterion-max')} input`, c.max)
    await admin.locator(`${sel('criterion-max')} input`).blur()
    const before = await admin.locator(sel('criterion-row')).count()
    await admin.click(sel('criterion-add'))
    await admin.waitForFunction(([s, n]) => document.querySelectorAll(s).length === n, [sel('criterion-row'), before + 1])
  }
  const weights = await admin.locator(sel('competition-weights')).innerText()
  assert(weights.includes('不归一化') && weights.includes('1'), `the weights note: ${weights}`)

  for (const name of JUDGE_NAMES) {
    step(`add the judge ${name}`)
    await choose(admin, 'judge-pick', name)
    const before = await admin.locator(sel('judge-row')).count()
    await admin.click(sel('judge-add'))
    await admin.waitForFunction(([s, n]) => document.querySelectorAll(s).length === n, [sel('judge-row'), before + 1])
  }

  step('open the competition for scoring')
  await admin.click(sel('competition-open'))
  await admin.waitForSelector(`${sel('competition-status')}[data-status="open"]`)
  return url
}

async function score(page, judge, index) {
  step(`judge ${index + 1} (${judge}) signs in on a phone`)
  await page.goto(`${BASE_URL}/signin`)
  await page.waitForSelector(sel('signin-identifier'))
  await page.fill(sel('signin-identifier'), judge)
  await page.fill(sel('signin-password'), PASSWORD)
  await page.click(sel('signin-submit'))
  await page.waitForURL(/\/county\/competitions$/)

  step(`judge ${index + 1} opens the scoring sheet`)
  const card = page.locator(sel('competition-row'), { hasText: NAME })
  await card.locator(sel('competition-score-link')).click()
  await page.waitForSelector(sel('judge-sheet-title'))
  const inputs = page.locator(sel('judge-input'))
  assert((await inputs.count()) === 9, `the sheet has ${await inputs.count()} inputs, expected 9`)
  const cells = page.locator(sel('judge-cell'))

  if (index === 0) {
    step('a score over the maximum is refused on the phone; a revision is saved')
    await inputs.nth(2).fill('51')
    await inputs.nth(2).press('Enter')
    await page.waitForSelector(`${sel('judge-cell')}[data-state="error"]`)
    const error = await page.locator(sel('judge-error')).first().innerText()
    assert(error.includes('50'), `the error says: ${error}`)
    await inputs.nth(0).fill('10')
    await inputs.nth(0).press('Enter')
    await page.waitForFunction((s) => document.querySelectorAll(s)[0]?.getAttribute('data-state') === 'saved', sel('judge-cell'))
  }

  step(`judge ${index + 1} gives nine scores`)
  for (let p = 0; p < 3; p++) {
    for (let k = 0; k < 3; k++) {
      const i = p * 3 + k
      await inputs.nth(i).fill(String(CELLS[p][k][index]))
      await inputs.nth(i).press('Enter')
      await page.waitForFunction(
        ([s, n, v]) => {
          const cell = document.querySelectorAll(s)[n]
          return cell?.getAttribute('data-state') === 'saved' && cell.querySelector('input')?.value === v
        },
        [sel('judge-cell'), i, String(CELLS[p][k][index])],
      )
    }
  }
  const progress = page.locator(sel('judge-progress'))
  assert((await progress.getAttribute('data-done')) === '9', `progress: ${await progress.innerText()}`)
  assert((await cells.count()) === 9, 'nine cells')

  step(`judge ${index + 1} reloads: the scores are kept`)
  await page.reload()
  await page.waitForSelector(sel('judge-sheet-title'))
  await page.waitForFunction((s) => [...document.querySelectorAll(s)].every((c) => c.getAttribute('data-state') === 'saved'), sel('judge-cell'))
}

async function finishCompetition(admin, url) {
  step('the administrator reloads, locks, and sees no score missing')
  await admin.goto(url)
  await admin.waitForSelector(`${sel('competition-status')}[data-status="open"]`)
  await admin.click(sel('competition-lock'))
  await admin.waitForSelector(`${sel('competition-status')}[data-status="locked"]`)
  await admin.waitForSelector(sel('competition-missing-none'))

  step('compute the results: the progress bar reaches 100%')
  await admin.click(sel('competition-score'))
  await admin.waitForSelector(sel('competition-progress'))
  await admin.waitForSelector(`${sel('competition-status')}[data-status="scored"]`, { timeout: 30000 })
  const percent = await admin.locator(sel('competition-progress')).getAttribute('data-percent')
  assert(percent === '100', `the progress bar shows ${percent}%`)

  step('publish the results')
  await admin.click(sel('competition-publish'))
  await admin.waitForSelector(`${sel('competition-status')}[data-status="published"]`)
  await admin.click(sel('competition-results-link'))
  await admin.waitForSelector(sel('results-table'))

  step('the results page shows the ranks the trimmed means imply')
  const ranks = await admin.locator(sel('result-rank')).allInnerTexts()
  const names = await admin.locator(sel('result-name')).allInnerTexts()
  const totals = await admin.locator(sel('result-total')).allInnerTexts()
  const means = await admin.locator(sel('result-mean')).allInnerTexts()
  const got = ranks.map((rank, i) => ({ rank: rank.trim(), name: names[i].trim(), means: means.slice(i * 3, i * 3 + 3).map((m) => m.trim()), total: totals[i].trim() }))
  assert(JSON.stringify(got) === JSON.stringify(EXPECTED), `results:\n${JSON.stringify(got)}\nexpected:\n${JSON.stringify(EXPECTED)}`)
  const top = await admin.locator('.result-row--top').count()
  assert(top === 2, `${top} rows are marked as the top, expected the two sharing rank 1`)

  step('download the XLSX')
  const [download] = await Promise.all([admin.waitForEvent('download'), admin.click(sel('results-download'))])
  assert(download.suggestedFilename().endsWith('.xlsx'), `downloaded ${download.suggestedFilename()}`)
}

async function main() {
  if (!haveEnv({ BASE_URL, API_KEY, PASSWORD, JUDGES: JUDGES.length === 5 ? 'ok' : '', JUDGE_NAMES: JUDGE_NAMES.length === 5 ? 'ok' : '' })) return false
  const browser = await launchChromium()
  if (!browser) return false
  const diagnostics = []
  const pages = []
  let failed = false
  try {
    const adminContext = await browser.newContext(ADMIN_DESKTOP)
    const admin = await adminContext.newPage()
    pages.push(['admin', admin])
    watch(admin, 'admin', diagnostics)
    const url = await setUp(admin)

    for (const [i, judge] of JUDGES.entries()) {
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      pages.push([`judge${i + 1}`, page])
      watch(page, `judge ${i + 1}`, diagnostics)
      await score(page, judge, i)
      await context.close()
      pages.pop()
    }

    await finishCompetition(admin, url)
  } catch (e) {
    failed = true
    reportFailure(e, diagnostics)
    for (const [label, page] of pages) await screenshot(page, `competition-e2e-${label}`)
  } finally {
    await browser.close()
  }
  return !failed
}

finish(await main())

// What the browser tests share: step logging, assertions, selectors,
// launching Debian's Chromium, diagnostics, screenshots and the closing
// line the Go harness reads.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 15000)
// The Go test keeps SCREENSHOT_DIR when the test fails and removes it when it passes.
const SCREENSHOT_DIR = process.env.E2E_SCREENSHOT_DIR || process.env.SCREENSHOT_DIR || tmpdir()

/** A new directory for a script's files (uploads, downloads), beside its screenshots. */
export function scratchDir() {
  return mkdtempSync(join(SCREENSHOT_DIR, 'scratch-'))
}

let currentStep = 'start'

/** Logs a step; a failure names the step it happened in. */
export function step(name) {
  currentStep = name
  console.log(`e2e: ${name}`)
}

export function assert(condition, message) {
  if (!condition) throw new Error(message)
}

export const sel = (id) => `[data-testid="${id}"]`

/** A phone and a desktop, as the scripts' browser contexts. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' }
export const DESKTOP = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN' }

/** The people of a test: a fresh browser context each (cookies on 127.0.0.1 are shared across ports), watched for diagnostics. */
export class People {
  constructor(browser, diagnostics) {
    this.browser = browser
    this.diagnostics = diagnostics
    this.pages = []
  }

  async open(label, options) {
    const page = await (await this.browser.newContext(options)).newPage()
    watch(page, label, this.diagnostics)
    this.pages.push([label, page])
    return page
  }

  async close(page) {
    this.pages.splice(
      this.pages.findIndex(([, p]) => p === page),
      1,
    )
    await page.context().close()
  }

  /** A screenshot of every page still open, named prefix-label. */
  async screenshots(prefix) {
    for (const [label, page] of this.pages) await screenshot(page, `${prefix}-${label}`)
  }
}

/** A JSON API client for the tests' own set-up: call(method, path, body) under base, with an API key; a failure throws. */
export function apiClient(base, key) {
  return async function call(method, path, body) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    assert(res.ok, `${method} ${path} answered ${res.status}: ${text}`)
    return text ? JSON.parse(text) : undefined
  }
}

/** Reports unset environment variables; true when all are set. */
export function haveEnv(vars) {
  const missing = Object.entries(vars)
    .filter(([, v]) => !v)
    .map(([k]) => k)
  if (missing.length) console.log(`e2e: missing environment variable(s): ${missing.join(', ')}`)
  return missing.length === 0
}

/** Launches Chromium with the flags this machine needs, or returns null. */
export async function launchChromium() {
  try {
    return await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      // No background networking: this machine refuses connections to anything but loopback.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
  } catch (e) {
    console.log(`e2e: could not launch Chromium (set CHROMIUM to its path): ${e instanceof Error ? e.message : e}`)
    return null
  }
}

/** Collects page errors, console errors and failed requests for the failure report. */
export function watch(page, label, diagnostics) {
  page.setDefaultTimeout(TIMEOUT)
  page.on('pageerror', (e) => diagnostics.push(`${label} page error: ${e.message}`))
  page.on('console', (m) => m.type() === 'error' && diagnostics.push(`${label} console: ${m.text()}`))
  page.on('response', (r) => r.status() >= 400 && diagnostics.push(`${label} HTTP ${r.status()} ${r.request().method()} ${r.url()}`))
}

/** Logs a failure with the step it happened in and what the browser said. */
export function reportFailure(e, diagnostics) {
  console.log(`e2e: FAILED at step "${currentStep}": ${e instanceof Error ? e.message : e}`)
  if (diagnostics.length) console.log(`e2e: browser diagnostics:\n  ${diagnostics.join('\n  ')}`)
}

export async function screenshot(page, name) {
  const shot = join(SCREENSHOT_DIR, `fengqiao-${name}-${Date.now()}.png`)
  try {
    await page.screenshot({ path: shot, fullPage: true })
    console.log(`e2e: screenshot saved to ${shot}`)
  } catch (err) {
    console.log(`e2e: could not save a screenshot: ${err instanceof Error ? err.message : err}`)
  }
}

/** Prints the closing line and sets the exit code (not process.exit(), so piped output is flushed). */
export function finish(passed) {
  console.log(passed ? 'e2e: 1 passed, 0 failed' : 'e2e: 0 passed, 1 failed')
  process.exitCode = passed ? 0 : 1
}

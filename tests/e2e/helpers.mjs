// Shared by every browser script (journeys.mjs, workspace.mjs, admin.mjs, portal.mjs, …): the
// browser, logins, Element Plus fields and selects, the API with a token, waiting, valid fake
// identifiers, screenshots and the page-width check, the run's summary line.
//
// Scripts share one stack (the pytest session's) with each other and with the cross-service
// journeys, so a script asserts only about its own data: look a proceeding up by its case_id (never
// "the first of a list"), filter lists by this run's names (RUN), and draw ID numbers from the
// script's own series (idNumber's second argument) so no two scripts make the same worker.
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const repo = resolve(here, '..', '..')
// playwright-core is a dev dependency of web/ (installed by `npm ci` there).
const { chromium } = createRequire(join(repo, 'web', 'package.json'))('playwright-core')

export const BASE = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
export const ACCOUNTS = JSON.parse(process.env.E2E_ACCOUNTS ?? '{}')
export const ARTIFACTS = resolve(process.env.ARTIFACTS ?? join(repo, 'test-artifacts', 'e2e'))
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
export const VIEWPORT = { width: 1366, height: 768 }
mkdirSync(ARTIFACTS, { recursive: true })

const started = Date.now()
export const results = []
export function log(step, extra = {}) {
  const entry = { step, ms: Date.now() - started, ...extra }
  results.push(entry)
  console.log(JSON.stringify(entry))
}
export function check(condition, message) {
  if (!condition) throw new Error(message)
}

/** A valid fake ID number; ``series`` (the first three digits of the birth year, one per script:
 * journeys 199, workspace 198, admin 197, portal 196, documents 195, …) keeps scripts' workers apart. */
export function idNumber(seq, series = '198') {
  const month = String(1 + (seq % 12)).padStart(2, '0')
  const day = String(1 + (seq % 27)).padStart(2, '0')
  const body = `440304${series}${seq % 10}${month}${day}${String(100 + (seq % 900)).padStart(3, '0')}`
  const weights = Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11)
  const total = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return body + '10X98765432'[total % 11]
}
export function creditCode(body17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const total = [...body17].reduce((s, ch, i) => s + alphabet.indexOf(ch) * w[i], 0)
  return body17 + alphabet[(31 - (total % 31)) % 31]
}
export const RUN = Date.now().toString(36).toUpperCase().replace(/[IOZSV]/g, 'A').slice(-5).padStart(5, '0')

export async function shot(page, name, { fullPage = false } = {}) {
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage })
  return path
}

/** Screens fit their window: nothing wider than it (no horizontal scrolling). */
export async function fitsWidth(page, name) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    inner: window.innerWidth,
  }))
  check(scroll <= inner, `${name}: page is ${scroll}px wide in a ${inner}px window (horizontal scrolling)`)
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
}

/** A fresh browser context (its own storage) at the desk's window size, in Beijing's zone. */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...contextOptions })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(JSON.stringify({ pageerror: String(e) })))
  return { context, page }
}

/** Sign in to the staff SPA in a context of its own; ``password`` defaults to the demo account's. */
export async function login(browser, username, contextOptions = {}, password = ACCOUNTS[username]) {
  check(password, `no password for ${username} in E2E_ACCOUNTS`)
  const { context, page } = await newPage(browser, contextOptions)
  await page.goto(`${BASE}/login`)
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(password)
  await page.getByTestId('login').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  return { context, page }
}

/** The input of an Element Plus field: its attributes land on the inner <input>/<textarea>. */
export function field(page, testId) {
  const id = JSON.stringify(testId).slice(1, -1)
  return page.locator(`input[data-testid="${id}"], textarea[data-testid="${id}"], [data-testid="${id}"] input, [data-testid="${id}"] textarea`).first()
}

/**
 * Pick an option of an Element Plus select. The option is looked up in the dropdown this select
 * controls (its input's aria-controls), never in "any visible dropdown": the previous select's
 * dropdown may still be fading out and would take the click. Retried (Escape, reopen) if the
 * dropdown closed under the pointer. ``text`` null picks the first option.
 */
export async function pickOption(page, testId, text) {
  const select = page.getByTestId(testId)
  for (let attempt = 1; ; attempt++) {
    await select.click()
    const controls = await select.locator('[aria-controls]').first().getAttribute('aria-controls', { timeout: 5_000 }).catch(() => null)
    const scope = controls ? `[id="${controls}"]` : '.el-select-dropdown:visible'
    const items = page.locator(`${scope} .el-select-dropdown__item`)
    const option = text == null ? items.first() : items.filter({ hasText: text }).first()
    try {
      await option.click({ timeout: 5_000 })
      return
    } catch (error) {
      if (attempt >= 3) throw error
      await page.keyboard.press('Escape')
      await page.waitForTimeout(300)
    }
  }
}

/** fetch with a bearer token; a string body is JSON unless the caller says otherwise. */
export async function rawApi(path, token, init = {}) {
  const json = typeof init.body === 'string' ? { 'Content-Type': 'application/json' } : {}
  return fetch(`${BASE}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...json, ...(init.headers ?? {}) } })
}
export async function api(path, token, init = {}) {
  const response = await rawApi(path, token, init)
  check(response.ok, `${path}: ${response.status} ${await response.clone().text()}`)
  return response.json()
}
export async function token(username, password = ACCOUNTS[username]) {
  const response = await fetch(`${BASE}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }),
  })
  check(response.ok, `token for ${username}: ${response.status}`)
  return (await response.json()).access_token
}
export const tokenFor = token

/** The proceeding mediation opened for this case (by case_id, whatever else the stack holds), once
 * it has a mediator; with the mediator's login name. */
export async function proceedingOf(caseId, asUser = 'supervisor') {
  const bearer = await token(asUser)
  const proceeding = await until(`a proceeding with a mediator for case ${caseId}`, async () => {
    const page = await api(`/api/mediation/proceedings?case_id=${encodeURIComponent(caseId)}`, bearer)
    return page.items.find((p) => p.mediator) ?? null
  })
  const mediators = await api('/api/mediation/mediators', bearer)
  const username = mediators.find((m) => m.id === proceeding.mediator.id)?.username ?? null
  return { proceeding, username }
}

/**
 * Tab from ``start`` through the page ``steps`` times: every element that takes the focus must be
 * visible (a checkbox's or select's hidden native input counts as its visible box) and outside any
 * popup panel. Returns what was focused, in order, for the log.
 */
export async function tabWalk(page, start, steps) {
  await start.focus()
  const seen = []
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body) return null
      const box = el.closest('.el-checkbox, .el-radio, .el-switch, .el-select__wrapper') ?? el
      const r = box.getBoundingClientRect()
      const visible = box.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && r.width > 0 && r.height > 0
      const name = el.getAttribute('data-testid') ?? el.closest('[data-testid]')?.getAttribute('data-testid') ?? ''
      return { what: `${el.tagName.toLowerCase()}${name ? `[${name}]` : ''} ${el.getAttribute('aria-label') ?? el.getAttribute('placeholder') ?? (el.innerText ?? '').slice(0, 12)}`.trim(),
        visible, inPopup: Boolean(el.closest('.el-popper')) }
    })
    if (!focused) continue
    check(focused.visible && !focused.inPopup, `Tab #${i + 1} focused an invisible control: ${focused.what} (after ${seen.slice(-3).join(' → ')})`)
    seen.push(focused.what)
  }
  return seen
}
export async function until(what, fn, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    last = await fn()
    if (last) return last
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`)
}

/** Run ``journeys`` in one browser; a JSON summary line last; exit 1 after screenshots on failure. */
export async function main(journeys) {
  const browser = await launch()
  let failed = null
  try {
    await journeys(browser)
  } catch (error) {
    failed = error
    for (const context of browser.contexts()) {
      for (const page of context.pages()) await page.screenshot({ path: join(ARTIFACTS, `failure-${Date.now()}.png`) }).catch(() => {})
    }
  } finally {
    await browser.close()
  }
  console.log(JSON.stringify({ summary: failed ? 'failed' : 'passed', steps: results.length, ms: Date.now() - started, error: failed ? String(failed.stack ?? failed) : null }))
  process.exit(failed ? 1 : 0)
}

// Shared by the browser scripts (workspace.mjs; journeys.mjs keeps its own copies for now): the
// browser, logins, Element Plus fields, the API with a token, waiting, valid fake identifiers.
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

export function idNumber(seq) {
  const month = String(1 + (seq % 12)).padStart(2, '0')
  const day = String(1 + (seq % 27)).padStart(2, '0')
  const body = `440304198${seq % 10}${month}${day}${String(100 + (seq % 900)).padStart(3, '0')}`
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

export async function shot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: false })
  return path
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
}

export async function login(browser, username, contextOptions = {}) {
  const password = ACCOUNTS[username]
  check(password, `no password for ${username} in E2E_ACCOUNTS`)
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...contextOptions })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(JSON.stringify({ pageerror: String(e) })))
  await page.goto(`${BASE}/`)
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
 * Pick an option of an Element Plus select, looked up in the dropdown this select controls (its
 * input's aria-controls), never "any visible dropdown"; retried if the dropdown closed under the pointer.
 */
export async function pickOption(page, testId, text) {
  const select = page.getByTestId(testId)
  for (let attempt = 1; ; attempt++) {
    await select.click()
    const controls = await select.locator('[aria-controls]').first().getAttribute('aria-controls', { timeout: 5_000 }).catch(() => null)
    const scope = controls ? `[id="${controls}"]` : '.el-select-dropdown:visible'
    const option = page.locator(`${scope} .el-select-dropdown__item`, { hasText: text }).first()
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

export async function rawApi(path, token, init = {}) {
  return fetch(`${BASE}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } })
}
export async function api(path, token, init = {}) {
  const response = await rawApi(path, token, init)
  check(response.ok, `${path}: ${response.status} ${await response.clone().text()}`)
  return response.json()
}
export async function token(username) {
  const response = await fetch(`${BASE}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: ACCOUNTS[username] }),
  })
  check(response.ok, `token for ${username}: ${response.status}`)
  return (await response.json()).access_token
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

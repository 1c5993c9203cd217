// Issue 18 in real headless Chromium (Debian's, driven by playwright-core) against a running gateway
// that serves the built SPA:
//   1. the login page's cold transfer size, measured from the network (CDP encodedDataLength);
//   2. an administrator creates a clerk who then signs in; a reset password works once; logout
//      revokes the refresh token;
//   3. a screenshot walk of every screen of every role, scanning the visible text for raw codes
//      (snake_case words, dotted event types, "service xyz" registrars).
//
//   GATEWAY_URL=http://127.0.0.1:8000 E2E_ACCOUNTS='{"admin":"…",…}' node tests/e2e/admin.mjs
//
// Env: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default test-artifacts/e2e-admin). Prints
// one JSON line per finished step and a summary; exits 1 on the first failure, after a screenshot.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { ACCOUNTS, ARTIFACTS, BASE, RUN as ANY_RUN, VIEWPORT, api, check, creditCode, field, idNumber as anyIdNumber, log, login, main, pickOption, proceedingOf, shot as anyShot, token as tokenFor } from './helpers.mjs'

const LOGIN_BUDGET = 500 * 1024
const RUN = ANY_RUN.toLowerCase() // in a login name
// This script's own series of ID numbers (workers born in the 1970s).
const idNumber = (seq) => anyIdNumber(seq, '197')
const shot = (page, name) => anyShot(page, name, { fullPage: true })
const signIn = (browser, username, password = ACCOUNTS[username]) => login(browser, username, {}, password)

// --- 1. the login page, cold --------------------------------------------------------------------
async function coldLogin(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  const requests = new Map()
  let total = 0
  cdp.on('Network.responseReceived', (e) => {
    requests.set(e.requestId, {
      url: e.response.url.replace(BASE, ''),
      encoding: e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? '',
    })
  })
  cdp.on('Network.loadingFinished', (e) => {
    total += e.encodedDataLength // bytes on the wire: headers and the (compressed) body
    const r = requests.get(e.requestId)
    if (r) r.bytes = e.encodedDataLength
  })
  await page.goto(`${BASE}/login`, { waitUntil: 'networkidle' })
  await page.getByTestId('login').waitFor()
  await shot(page, '00-login-cold')
  const files = [...requests.values()].filter((r) => r.bytes !== undefined)
  const icon = await fetch(`${BASE}/favicon.svg`)
  check(icon.ok, 'favicon.svg is served')
  check(
    (await page.locator('link[rel="icon"]').getAttribute('href')) === '/favicon.svg',
    'the page names its favicon',
  )
  await context.close()
  writeFileSync(join(ARTIFACTS, 'login-transfer.json'), JSON.stringify({ total, files }, null, 1))
  const scripts = files.filter((f) => /\.(js|css)$/.test(f.url.split('?')[0]) && f.bytes > 1024)
  check(scripts.length > 0 && scripts.every((f) => f.encoding === 'br' || f.encoding === 'gzip'),
    `every script and style sheet is sent compressed: ${JSON.stringify(scripts)}`)
  check(total < LOGIN_BUDGET, `the login page transferred ${total} bytes on a cold load (budget ${LOGIN_BUDGET})`)
  log('login page cold transfer', { bytes: total, requests: files.length })
}

// --- 2. an administrator creates a clerk who signs in ---------------------------------------------
async function adminCreatesClerk(browser) {
  const { context, page } = await signIn(browser, 'admin')
  await page.goto(`${BASE}/administration`)
  await page.getByTestId('users-table').waitFor()
  const username = `clerk${RUN}`
  const password = `pw-${RUN}-初始密码`
  await field(page, 'user-username').fill(username)
  await field(page, 'user-display-name').fill(`窗口${RUN}`)
  await page.getByTestId('role-clerk').click()
  await pickOption(page, 'user-centre', null) // the first centre, in the dropdown this select controls
  await field(page, 'user-password').fill(password)
  await shot(page, '01-admin-create-clerk')
  await page.getByTestId('user-save').click()
  await page.getByTestId('users-table').getByText(username).waitFor()
  log('admin created a clerk', { username })

  const clerk = await signIn(browser, username, password)
  check(clerk.page.url().endsWith('/intake'), `the new clerk lands on 窗口受理, not ${clerk.page.url()}`)
  const nav = (await clerk.page.locator('[data-nav]').allInnerTexts()).join()
  check(nav === '窗口受理,案件台,网上申请,赔偿计算器', `the new clerk's navigation: ${nav}`)
  await shot(clerk.page, '02-new-clerk-signed-in')
  // Logout revokes the refresh token at the gateway.
  const stored = await clerk.page.evaluate(() => JSON.parse(sessionStorage.getItem('onewindow.session') ?? '{}'))
  check(stored.refreshToken, 'the session keeps a refresh token')
  const revoked = clerk.page.waitForResponse((r) => r.url().endsWith('/auth/revoke'))
  await clerk.page.getByTestId('logout').click()
  check((await revoked).status() === 200, 'logout called /auth/revoke')
  const reuse = await fetch(`${BASE}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored.refreshToken }),
  })
  check(reuse.status === 400, `a refresh token after logout is refused, got ${reuse.status}`)
  await clerk.context.close()
  log('the new clerk signed in; logout revoked the session')

  // Reset password: shown once, works.
  page.once('dialog', (d) => d.accept())
  await page.getByTestId(`reset-${username}`).click()
  await page.locator('.el-message-box__btns .el-button--primary').click()
  await page.getByTestId('temporary-password').waitFor()
  const temporary = (await page.getByTestId('temporary-password').locator('code').innerText()).trim()
  await shot(page, '03-admin-reset-password')
  const again = await signIn(browser, username, temporary)
  check(again.page.url().endsWith('/intake'), 'the clerk signs in with the temporary password')
  await again.context.close()
  log('reset password signs in')
  await context.close()
}

// --- 3. every screen of every role, looked at ---------------------------------------------------
// A raw code on a screen: a snake_case word (session_scheduled), a dotted event type
// (referral.accepted, intake.case.routed), or a service client's name ("service court-bridge").
const RAW = /(?<![\w./:@#-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+(?:\.[a-z_]+){1,3}|service [a-z-]+)(?![\w@/-])/g

// Bare lowercase ASCII words are suspects too (a state like "requested"), but a login name is one as
// well: they are written to raw-words.json for a person to read, not failed on.
const WORD = /(?<![\w./:@#-])[a-z]{3,}(?![\w@/-])/g
const words = new Map()

async function rawCodes(page, where) {
  const text = await page.evaluate(() => document.body.innerText)
  for (const w of text.match(WORD) ?? []) words.set(w, [...new Set([...(words.get(w) ?? []), where])])
  return [...new Set(text.match(RAW) ?? [])]
}

async function someData() {
  // One case routed to mediation, so the case page, the receipt and a proceeding have content.
  const clerk = await tokenFor('clerk')
  const seq = Number(Date.now() % 800)
  const created = await api('/api/intake/cases', clerk, {
    method: 'POST',
    headers: { 'Idempotency-Key': `e2e-admin-${RUN}` },
    body: JSON.stringify({
      channel: 'walk_in',
      applicants: [{ name: `走查${RUN}`, id_number: idNumber(seq), phone: '13800138000', address: '深圳市福田区', monthly_wage: '６０００' }],
      respondents: [{ name: `深圳市走查${RUN}有限公司`, credit_code: creditCode(`91440300MA5F${RUN.toUpperCase()}`), address: '深圳市福田区', legal_representative: '赵某' }],
      claims: [{ category: 'wage_arrears', amount: '１２，０００', period_start_on: '2026-08-01', period_end_on: '2026-09-30', description: '拖欠工资' }],
      facts: '申请人入职后，公司自2026年8月起拖欠工资。',
      employment_start_on: '2024-03-01',
      knew_on: '2026-10-10',
      route: { route: 'mediation' },
    }),
  })
  check(Number(created.claims?.[0]?.amount ?? created.total_claimed) === 12000, `full-width amount read as 12000: ${JSON.stringify(created.claims?.[0] ?? created)}`)
  const { proceeding } = await proceedingOf(created.id, 'admin')
  log('walk data', { case: created.id, proceeding: proceeding.id })
  return { caseId: created.id, proceedingId: proceeding.id }
}

async function walk(browser, data) {
  const findings = []
  const roles = ['admin', 'supervisor', 'clerk', 'mediator1', 'inspector']
  let n = 10
  for (const role of roles) {
    if (!ACCOUNTS[role]) continue
    const { context, page } = await signIn(browser, role)
    const paths = await page.locator('[data-nav]').evaluateAll((items) => items.map((i) => i.getAttribute('data-nav')))
    const extra = {
      admin: [`/cases/${data.caseId}`, `/proceedings/${data.proceedingId}`, `/receipt/${data.caseId}`],
      supervisor: ['/notifications', `/proceedings/${data.proceedingId}`],
      clerk: ['/notifications', `/cases/${data.caseId}`],
      mediator1: ['/notifications'],
      inspector: ['/notifications'],
    }[role] ?? []
    for (const path of [...paths, ...extra]) {
      await page.goto(`${BASE}${path}`)
      await page.waitForLoadState('networkidle')
      await page.waitForTimeout(300) // tables render after their data arrives
      // Tabs hide content: open each one so its text is looked at too.
      const tabs = await page.locator('.el-tabs__item').count()
      const seen = []
      for (let t = 0; t < Math.max(tabs, 1); t++) {
        if (tabs) {
          await page.locator('.el-tabs__item').nth(t).click()
          await page.waitForTimeout(200)
        }
        seen.push(...(await rawCodes(page, `${role} ${path}`)))
      }
      const name = `${String(n++).padStart(2, '0')}-${role}-${path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}`
      await shot(page, name)
      const unique = [...new Set(seen)]
      if (unique.length) findings.push({ role, path, codes: unique })
      // The active menu item is this screen's, or none (通知中心 has none).
      const active = await page.locator('.el-menu-item.is-active').allInnerTexts()
      if (path === '/notifications') check(active.length === 0, `通知中心 highlights ${active.join()}`)
    }
    await context.close()
    log('walked', { role, screens: paths.length + extra.length })
  }
  writeFileSync(join(ARTIFACTS, 'raw-codes.json'), JSON.stringify(findings, null, 1))
  writeFileSync(join(ARTIFACTS, 'raw-words.json'), JSON.stringify(Object.fromEntries(words), null, 1))
  check(findings.length === 0, `raw codes on screen: ${JSON.stringify(findings)}`)
  log('no raw code on any screen')
}

await main(async (browser) => {
  await coldLogin(browser)
  await adminCreatesClerk(browser)
  const data = await someData()
  await walk(browser, data)
})

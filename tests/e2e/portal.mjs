// Issue 19's journey in headless Chromium at a phone-sized window (375×812): a worker signs in
// with an SMS code, applies for mediation online; a clerk registers the application; the worker
// looks the case up by its number, confirms a proposed session and confirms the agreement with a
// fresh code; the agreement (as the mediator sees it) shows that confirmation. The portal's
// transfer size is measured. Codes come from the gateway's development SMS outbox.
//
//   GATEWAY_URL=… E2E_ACCOUNTS='{"clerk":"…","supervisor":"…","mediator1":"…",…}' node tests/e2e/portal.mjs
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '..', '..')
const { chromium } = createRequire(join(repo, 'web', 'package.json'))('playwright-core')

const BASE = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const ACCOUNTS = JSON.parse(process.env.E2E_ACCOUNTS ?? '{}')
const ARTIFACTS = resolve(process.env.ARTIFACTS ?? join(repo, 'test-artifacts', 'e2e-portal'))
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const PHONE_VIEWPORT = { width: 375, height: 812 }
mkdirSync(ARTIFACTS, { recursive: true })

const started = Date.now()
function log(step, extra = {}) {
  console.log(JSON.stringify({ step, ms: Date.now() - started, ...extra }))
}
function check(condition, message) {
  if (!condition) throw new Error(message)
}
function idNumber(seq) {
  const body = `44030419900${(seq % 9) + 1}0${(seq % 9) + 1}${String(100 + (seq % 900)).padStart(3, '0')}`
  const weights = Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11)
  const total = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return body + '10X98765432'[total % 11]
}
function creditCode(body17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const total = [...body17].reduce((s, ch, i) => s + alphabet.indexOf(ch) * w[i], 0)
  return body17 + alphabet[(31 - (total % 31)) % 31]
}
const SEQ = Date.now() % 100000
const PHONE = `139${String(SEQ).padStart(8, '0')}`
const EMPLOYER_PHONE = `137${String(SEQ).padStart(8, '0')}`

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}
async function fitsPhone(page, name) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    inner: window.innerWidth,
  }))
  check(scroll <= inner, `${name}: ${scroll}px wide in a ${inner}px phone window`)
}
async function api(path, token, init = {}) {
  const headers = { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) }
  const response = await fetch(`${BASE}${path}`, { ...init, headers })
  check(response.ok, `${path}: ${response.status} ${await response.clone().text()}`)
  return response.json()
}
async function token(username) {
  const response = await fetch(`${BASE}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: ACCOUNTS[username] }),
  })
  check(response.ok, `token for ${username}: ${response.status}`)
  return (await response.json()).access_token
}
async function until(what, fn, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    last = await fn()
    if (last) return last
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`)
}
/** Messages the gateway "sent" to a number (development outbox). */
async function sms(phone) {
  const all = await (await fetch(`${BASE}/dev/sms/messages`)).json()
  return all.filter((m) => m.to === phone)
}
async function newCode(phone, count) {
  const messages = await until(`SMS #${count} to the worker`, async () => {
    const got = await sms(phone)
    return got.length >= count ? got : null
  })
  return messages[count - 1].variables.code
}

async function signIn(page, caseNumber, count) {
  await page.locator('#phone').fill(PHONE)
  await page.getByTestId('send-code').click()
  const code = await newCode(PHONE, count)
  await page.locator('#code').fill(code)
  if (caseNumber) await page.locator('#case-number').fill(caseNumber)
  await page.getByTestId('sign-in').click()
  await page.getByText('我的案件').first().waitFor()
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
let failed = null
let transfer = 0
try {
  const context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: true, hasTouch: true })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(JSON.stringify({ pageerror: String(e) })))
  // Transfer size of the first visit (everything over the wire for the sign-in page).
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  const sizes = new Map()
  cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength))
  await page.goto(`${BASE}/portal/`, { waitUntil: 'networkidle' })
  transfer = [...sizes.values()].reduce((a, b) => a + b, 0)
  const bodies = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name))
  check(!bodies.some((u) => u.includes('element-plus')), `the portal loaded Element Plus: ${bodies.join(', ')}`)
  log('portal loaded', { transfer_bytes: transfer, resources: bodies.length })
  check(transfer < 120_000, `the portal's first load transferred ${transfer} bytes`)
  await fitsPhone(page, 'sign-in')
  await shot(page, '01-sign-in')

  // 1. Sign in (no case yet) and apply online.
  await signIn(page, '', 1)
  log('signed in')
  await page.getByTestId('apply').click()
  await page.locator('#a-name').fill('王小明')
  await page.locator('#a-id').fill(idNumber(SEQ))
  await page.locator('#a-address').fill('深圳市福田区福田街道')
  await page.locator('#e-name').fill('深圳市网申电子有限公司')
  await page.locator('#e-code').fill(creditCode(`91440300MA5W${String(SEQ).padStart(5, '0')}`))
  await page.locator('#e-phone').fill(EMPLOYER_PHONE)
  await page.locator('#c-amount').fill('15000')
  await page.locator('#c-desc').fill('拖欠10–11月工资')
  await page.locator('#facts').fill('申请人2025年入职，公司自2026年10月起拖欠工资至今。')
  await page.locator('#start').fill('2025-03-01')
  await page.locator('#knew').fill('2026-11-10')
  await fitsPhone(page, 'application form')
  await shot(page, '02-application')
  await page.getByTestId('submit-application').click()
  const reference = (await page.getByTestId('submitted').textContent()).match(/WS\w+/)[0]
  log('applied', { reference })
  await shot(page, '03-submitted')

  // 2. The clerk checks and registers it on 网上申请 (routed to mediation), in the clerks' app.
  const clerk = await token('clerk')
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  desk.setDefaultTimeout(20_000)
  const clerkPage = await desk.newPage()
  await clerkPage.goto(`${BASE}/login`)
  await clerkPage.locator('input[data-testid="username"], [data-testid="username"] input').first().fill('clerk')
  await clerkPage.locator('input[data-testid="password"], [data-testid="password"] input').first().fill(ACCOUNTS.clerk)
  await clerkPage.getByTestId('login').click()
  await clerkPage.waitForURL((url) => !url.pathname.startsWith('/login'))
  await clerkPage.goto(`${BASE}/applications`)
  await clerkPage.getByTestId('applications-table').getByText(reference).click()
  await clerkPage.getByTestId('application-detail').getByText('王小明').first().waitFor()
  await clerkPage.waitForTimeout(500) // the drawer slides in
  await shot(clerkPage, '03b-clerk-checks-application')
  await clerkPage.getByTestId('application-register').click()
  await clerkPage.waitForURL((url) => url.pathname.startsWith('/cases/'))
  const caseId = new URL(clerkPage.url()).pathname.split('/').pop()
  await desk.close()
  const kase = await api(`/api/intake/cases/${caseId}`, clerk)
  check(kase.channel === 'online', `registered as channel online, not ${kase.channel}`)
  check(kase.status !== 'registered', `routed at registration, not left ${kase.status}`)
  log('registered', { case_no: kase.case_no, by: 'the clerks\' 网上申请 screen' })

  // 3. The mediator it was assigned to accepts and proposes a session.
  const supervisor = await token('supervisor')
  const proceeding = await until('the case has a mediator', async () => {
    const found = await api('/api/mediation/proceedings?limit=100', supervisor)
    const p = found.items.find((x) => x.case_no === kase.case_no)
    return p && p.mediator ? p : null
  })
  const mediators = await api('/api/mediation/mediators', supervisor)
  const username = mediators.find((m) => m.id === proceeding.mediator.id)?.username
  check(username && ACCOUNTS[username], 'the assigned mediator has a demo login')
  const mediator = await token(username)
  await api(`/api/mediation/proceedings/${proceeding.id}/accept`, mediator, { method: 'POST', body: '{}' })
  const tomorrow = new Date(Date.now() + 26 * 3600_000)
  await api(`/api/mediation/proceedings/${proceeding.id}/sessions`, mediator, {
    method: 'POST',
    body: JSON.stringify({ mode: 'online', meeting_link: 'https://meeting.example.cn/r/portal', starts_at: tomorrow.toISOString() }),
  })
  log('session proposed')

  // 4. The worker looks the case up by its number with a new code and confirms the session.
  await page.getByTestId('sign-out').click()
  await signIn(page, kase.case_no, 2)
  await page.getByTestId('case-link').filter({ hasText: kase.case_no }).click()
  await page.getByTestId('status').waitFor()
  const status = await page.getByTestId('status').textContent()
  check(status.includes('调解'), `plain status, not ${status}`)
  await page.getByTestId('session').first().waitFor()
  check((await page.getByTestId('session').first().textContent()).includes('会议链接将于'), 'the link is not shown a day ahead')
  await page.getByTestId('confirm-session').first().click()
  await page.getByTestId('my-reply').getByText('您已确认参加').waitFor()
  await fitsPhone(page, 'case')
  await shot(page, '04-case-and-session')
  log('session confirmed')
  const replies = await api(`/api/mediation/proceedings/${proceeding.id}/sessions`, mediator)
  check(replies[0].party_replies[0]?.answer === 'confirm', 'the mediator sees the confirmation')

  // 5. The mediator records the agreement; the worker reads it and confirms it with a fresh code.
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
  const due = new Date(Date.now() + 10 * 86400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
  await api(`/api/mediation/proceedings/${proceeding.id}/agreement`, mediator, {
    method: 'POST',
    body: JSON.stringify({
      signed_on: today,
      effective_on: today,
      terms: '被申请人于10日内一次性支付拖欠工资15000元',
      total_amount: '15000.00',
      payments: [{ due_on: due, amount: '15000.00', payer: '深圳市网申电子有限公司', payee: '王小明' }],
      signatures: [
        { party: 'worker', name: '王小明', signed_on: today },
        { party: 'employer', name: '深圳市网申电子有限公司', signed_on: today },
        { party: 'mediator', name: '调解员', signed_on: today },
        { party: 'organisation_seal', name: '调解委员会', signed_on: today },
      ],
    }),
  })
  log('agreement recorded')
  await page.reload() // the session survives a reload (this tab's storage): back on the case list
  await page.getByTestId('case-link').filter({ hasText: kase.case_no }).click()
  await page.getByTestId('agreement').waitFor()
  await page.getByTestId('send-confirm-code').click()
  await page.locator('#confirm-code').fill(await newCode(PHONE, 3))
  await page.getByTestId('confirm-agreement').click()
  await page.getByTestId('confirmed').waitFor()
  await fitsPhone(page, 'agreement')
  await shot(page, '05-agreement-confirmed')
  log('agreement confirmed')
  const agreement = await api(`/api/mediation/proceedings/${proceeding.id}/agreement`, mediator)
  const [confirmation] = agreement.electronic_confirmations
  check(confirmation?.side === 'applicant' && confirmation.digest === agreement.digest, 'the agreement shows the confirmation')
  check(confirmation.phone_masked === `${PHONE.slice(0, 3)}****${PHONE.slice(-4)}`, 'masked phone on the agreement')
  const sent = await sms(PHONE)
  const codes = sent.map((m) => m.variables.code)
  check(sent.length === 3 && new Set(codes).size === 3, `each code sent once: ${sent.length} messages`)
  check(!sent.some((m) => /\d{17}[\dXx]/.test(m.text)), 'no ID number in any SMS')
  log('evidence', { messages: sent.length })
  await context.close()
} catch (error) {
  failed = error
  for (const context of browser.contexts()) {
    for (const page of context.pages()) await page.screenshot({ path: join(ARTIFACTS, `failure-${Date.now()}.png`) }).catch(() => {})
  }
} finally {
  await browser.close()
}
console.log(JSON.stringify(failed ? { summary: 'failed', error: String(failed?.stack ?? failed), transfer_bytes: transfer } : { summary: 'passed', transfer_bytes: transfer }))
process.exit(failed ? 1 : 0)

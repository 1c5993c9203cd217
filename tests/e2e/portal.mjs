// Issue 19's journey in headless Chromium at a phone-sized window (375×812): a worker signs in
// with an SMS code, applies for mediation online; a clerk registers the application; the worker
// looks the case up by its number, confirms a proposed session and confirms the agreement with a
// fresh code; the agreement (as the mediator sees it) shows that confirmation. The worker attaches
// a pay slip (a small PDF) and a disguised text file the API refuses (415, shown in Chinese); the
// clerk sees and downloads the PDF on 网上申请 and, after registration, it is the case's 证据材料. The portal's
// transfer size is measured. Codes come from the gateway's development SMS outbox.
//
//   GATEWAY_URL=… E2E_ACCOUNTS='{"clerk":"…","supervisor":"…","mediator1":"…",…}' node tests/e2e/portal.mjs
import { ACCOUNTS, BASE, api, check, creditCode, fitsWidth, idNumber as anyIdNumber, log, login, main, proceedingOf, shot as anyShot, token, until } from './helpers.mjs'

const PHONE_VIEWPORT = { width: 375, height: 812 }
// This script's own series of ID numbers (workers born in the 1960s), phones and employers.
const idNumber = (seq) => anyIdNumber(seq, '196')
const SEQ = Date.now() % 100000
const PHONE = `139${String(SEQ).padStart(8, '0')}`
const EMPLOYER_PHONE = `137${String(SEQ).padStart(8, '0')}`
const shot = (page, name) => anyShot(page, name, { fullPage: true })
const fitsPhone = (page, name) => fitsWidth(page, `${name} (phone)`)
// A one-page PDF small enough to read in the test (the API detects the type from the content).
const PAY_SLIP = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
    'trailer<</Root 1 0 R>>\n%%EOF\n',
)

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

await main(async (browser) => {
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
  const transfer = [...sizes.values()].reduce((a, b) => a + b, 0)
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
  await page.locator('#ev-type').selectOption('pay_slip')
  await page.getByTestId('evidence-file').setInputFiles([
    { name: '工资条.pdf', mimeType: 'application/pdf', buffer: PAY_SLIP },
    { name: '说明.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf, plain text\n') },
  ])
  check((await page.getByTestId('evidence-item').count()) === 2, 'both chosen files are listed')
  await fitsPhone(page, 'application form')
  await shot(page, '02-application')
  await page.getByTestId('submit-application').click()
  const reference = (await page.getByTestId('submitted').textContent()).match(/WS\w+/)[0]
  log('applied', { reference })
  const refused = await page.getByTestId('evidence-error').textContent()
  check(refused.includes('不支持的文件类型'), `the refused file says why in Chinese: ${refused}`)
  const uploaded = page.getByTestId('evidence-item').filter({ hasText: '工资条.pdf' })
  check((await uploaded.textContent()).includes('已上传'), 'the PDF is uploaded')
  check((await uploaded.getByText('移除').count()) === 0, 'an uploaded file offers no remove (the API keeps it)')
  await fitsPhone(page, 'submitted with files')
  await shot(page, '03-submitted')
  await page.getByTestId('evidence-item').filter({ hasText: '说明.pdf' }).getByText('移除').click()
  check((await page.getByTestId('evidence-item').count()) === 1, 'the refused file is taken off the list')
  log('evidence uploaded', { refused })

  // 2. The clerk checks and registers it on 网上申请 (routed to mediation), in the clerks' app.
  const clerk = await token('clerk')
  const { context: desk, page: clerkPage } = await login(browser, 'clerk')
  desk.setDefaultTimeout(20_000)
  await clerkPage.goto(`${BASE}/applications`)
  await clerkPage.getByTestId('applications-table').getByText(reference).click()
  await clerkPage.getByTestId('application-detail').getByText('王小明').first().waitFor()
  await clerkPage.waitForTimeout(500) // the drawer slides in
  const files = clerkPage.getByTestId('application-attachments')
  await files.getByText('工资条.pdf').waitFor()
  check(!(await files.textContent()).includes('说明.pdf'), 'the refused file was never stored')
  const [download] = await Promise.all([
    clerkPage.waitForEvent('download'),
    files.getByTestId('application-attachment-download').first().click(),
  ])
  const { readFile } = await import('node:fs/promises')
  const got = await readFile(await download.path())
  check(download.suggestedFilename() === '工资条.pdf' && got.equals(PAY_SLIP), 'the clerk downloads the very file')
  await shot(clerkPage, '03b-clerk-checks-application')
  await clerkPage.getByTestId('application-register').click()
  await clerkPage.waitForURL((url) => url.pathname.startsWith('/cases/'))
  const caseId = new URL(clerkPage.url()).pathname.split('/').pop()
  await clerkPage.getByTestId('attachment-list').getByText('工资条.pdf').waitFor()
  check((await clerkPage.getByTestId('attachment-list').textContent()).includes('工资条'), "the case's 证据材料 lists it")
  await desk.close()
  const kase = await api(`/api/intake/cases/${caseId}`, clerk)
  check(kase.channel === 'online', `registered as channel online, not ${kase.channel}`)
  check(kase.status !== 'registered', `routed at registration, not left ${kase.status}`)
  log('registered', { case_no: kase.case_no, by: 'the clerks\' 网上申请 screen' })

  // 3. The mediator it was assigned to accepts and proposes a session.
  // By case_id: the shared stack holds other scripts' proceedings too.
  const { proceeding, username } = await proceedingOf(caseId)
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
})

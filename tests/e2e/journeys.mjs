// The three journeys of issue 7 in real headless Chromium (Debian's, driven by playwright-core;
// no browser download), against a running gateway that serves the built SPA.
//
//   GATEWAY_URL=http://127.0.0.1:8000 E2E_ACCOUNTS='{"clerk":"…","supervisor":"…",…}' node tests/e2e/journeys.mjs
//
// Env: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default test-artifacts/e2e), E2E_ACCOUNTS
// (username → password of the demo accounts). Prints one JSON line per finished step and a summary;
// exits 1 on the first failure, after a screenshot of the page as it was.
import { ACCOUNTS, BASE, RUN, VIEWPORT, api, check, creditCode, field, fitsWidth, idNumber as anyIdNumber, log, login, main, pickOption, proceedingOf, shot, token, until } from './helpers.mjs'

// This script's own series of ID numbers (workers born in the 1990s): no other script makes them.
const idNumber = (seq) => anyIdNumber(seq, '199')

// --- the journeys ----------------------------------------------------------------------------
const WORKERS = Array.from({ length: 12 }, (_, i) => ({ name: `工人${RUN}${i + 1}`, id: idNumber(i + 1 + (Date.now() % 500)) }))
const EMPLOYER = { name: `深圳市${RUN}电子有限公司`, code: creditCode(`91440300MA${RUN}AB`) }

async function clerkJourney(browser) {
  // The login page, and a wrong password said plainly.
  const context0 = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' })
  const p0 = await context0.newPage()
  await p0.goto(`${BASE}/`)
  await p0.getByTestId('login').waitFor()
  check(await p0.getByText('一站式劳动纠纷调处平台').first().isVisible(), 'login page shows the platform name')
  await field(p0, 'username').fill('clerk')
  await field(p0, 'password').fill('wrong-password')
  await p0.getByTestId('login').click()
  await p0.getByTestId('login-error').waitFor()
  await shot(p0, '01-login')
  await context0.close()
  log('login page: wrong password refused')

  const { context, page } = await login(browser, 'clerk')
  check(page.url().endsWith('/intake'), `a clerk lands on the intake screen, not ${page.url()}`)
  check((await page.locator('[data-nav]').allInnerTexts()).join() === '窗口受理,案件台,网上申请,赔偿计算器', 'clerk navigation')

  // Live validation: a mistyped ID number is flagged while typing.
  await field(page, 'applicant-name-0').fill('错号测试')
  await field(page, 'applicant-id-0').fill('440304199001011230')
  await page.getByText('公民身份号码校验码不正确').first().waitFor()
  await field(page, 'applicant-name-0').fill('')
  await field(page, 'applicant-id-0').fill('')
  log('live ID-number check')

  // A collective dispute: twelve workers pasted as a list.
  await page.getByTestId('open-paste').click()
  await field(page, 'paste-text').fill(WORKERS.map((w) => `${w.name}\t${w.id}`).join('\n'))
  await page.getByTestId('paste-import').click()
  await page.getByTestId('applicant-name-11').waitFor()
  check((await field(page, 'applicant-name-11').inputValue()) === WORKERS[11].name, 'the 12th pasted worker')

  await field(page, 'respondent-name-0').fill(EMPLOYER.name)
  await field(page, 'respondent-code-0').fill(EMPLOYER.code.slice(0, 17) + (EMPLOYER.code[17] === '0' ? '1' : '0'))
  await field(page, 'respondent-code-0').blur()
  await page.getByText('统一社会信用代码校验码不正确').first().waitFor()
  await field(page, 'respondent-code-0').fill(EMPLOYER.code)
  log('live credit-code check')

  // Claims: Enter in a row adds the next one.
  await pickOption(page, 'claim-category-0', '拖欠工资')
  await field(page, 'claim-amount-0').fill('96000')
  await field(page, 'claim-amount-0').press('Enter')
  await page.getByTestId('claim-category-1').waitFor()
  await pickOption(page, 'claim-category-1', '加班费')
  await field(page, 'claim-amount-1').fill('24000')
  await field(page, 'facts').fill('申请人等12人在被申请人处从事装配工作，被申请人自本年8月起拖欠工资至今，并拖欠加班费。')
  log('claims with Enter-to-add')

  // The triage preview: yellow (10–29 workers), collective, routed to joint mediation.
  await page.getByTestId('grade').waitFor({ timeout: 15_000 })
  const grade = await page.getByTestId('grade').innerText()
  check(grade === '黄', `12 workers grade yellow (黄), got ${grade}`)
  check((await page.getByTestId('collective').innerText()).includes('是'), 'collective flag shown')
  check((await page.getByTestId('suggested-route').innerText()).includes('联合调解'), 'suggested route shown')
  await fitsWidth(page, 'intake')
  await shot(page, '02-intake-triage')
  log('triage preview', { grade })

  // A lost connection: the submit fails plainly and the form keeps what was typed.
  await context.setOffline(true)
  await page.getByTestId('submit').click()
  await page.getByTestId('connection-banner').waitFor()
  await page.getByTestId('submit-error').waitFor()
  check((await field(page, 'applicant-name-11').inputValue()) === WORKERS[11].name, 'form kept after a lost connection')
  await shot(page, '03-intake-offline')
  await context.setOffline(false)
  log('offline submit kept the form')

  // Confirm the suggested route and register.
  await page.getByTestId('route-confirm').click()
  await page.getByTestId('submit').click()
  await page.waitForURL(/\/receipt\//)
  await page.getByTestId('case-no').waitFor()
  const caseNo = await page.getByTestId('case-no').innerText()
  check((await page.getByTestId('receipt-grade').innerText()) === '黄', 'receipt view shows the grade to the clerk')
  check((await page.getByTestId('receipt-route').innerText()).includes('联合调解'), 'receipt view shows the route')
  // Issue 14: the deadline is on the receipt as soon as it shows (not after a reload), and the
  // success note sits in the page, not over the receipt.
  check(/\d{4}-\d{2}-\d{2}前/.test(await page.getByTestId('receipt-deadline').innerText()), 'receipt shows its deadline at once')
  check((await page.getByTestId('registered-banner').innerText()).includes(caseNo), 'registration is confirmed in the page')
  const caseId = page.url().split('/receipt/')[1].split('?')[0]
  await fitsWidth(page, 'receipt')
  await shot(page, '04-receipt')
  await page.emulateMedia({ media: 'print' })
  await shot(page, '04b-receipt-print')
  await page.emulateMedia({ media: 'screen' })
  log('registered', { caseNo })

  // The case desk: find the worker by ID number (POSTed, never in the URL).
  await page.getByTestId('next-intake').click()
  await page.locator('[data-nav="/cases"]').click()
  await field(page, 'f-id-number').fill(WORKERS[3].id)
  await page.getByTestId('search').click()
  await page.getByTestId('case-table').getByText(caseNo).waitFor()
  check(!page.url().includes(WORKERS[3].id), 'no ID number in the URL')
  await fitsWidth(page, 'case desk')
  await shot(page, '05-case-desk')
  await page.getByTestId('case-table').getByText(caseNo).click()
  await page.getByTestId('detail-case-no').getByText(caseNo).waitFor()
  // The timeline follows mediation's events (proceeding opened and assigned).
  await until('timeline shows the assignment', async () => {
    const text = await page.getByTestId('timeline').innerText()
    if (text.includes('已分派调解员')) return true
    await page.getByTestId('timeline').getByText('刷新').click()
    return false
  })
  check((await page.getByTestId('party-id').first().innerText()).includes('**********'), 'ID numbers masked by default')
  await page.getByTestId('reveal-pii').click()
  await page.getByTestId('pii-confirm').click()
  await until('full ID numbers shown', async () => !(await page.getByTestId('party-id').first().innerText()).includes('*'))
  await fitsWidth(page, 'case detail')
  await shot(page, '06-case-detail')
  log('case desk and detail')
  await context.close()
  return { caseNo, caseId }
}

async function assignedMediator(caseId) {
  // By case_id: the shared stack holds other scripts' proceedings too.
  const { proceeding, username } = await proceedingOf(caseId)
  check(username, 'the assigned mediator has a login name')
  return { username, proceedingId: proceeding.id }
}

async function mediatorJourney(browser, caseNo, username) {
  const { context, page } = await login(browser, username)
  check(page.url().endsWith('/workbench'), `a mediator lands on the workbench, not ${page.url()}`)
  await page.getByTestId('my-proceedings').getByText(caseNo).waitFor()
  await fitsWidth(page, 'workbench')
  await shot(page, '07-workbench')
  await page.getByTestId(`open-${caseNo}`).click()
  await page.getByTestId('proceeding-case-no').getByText(caseNo).waitFor()

  await field(page, 'accept-note').fill('双方当事人当面同意调解')
  await page.getByTestId('accept').click()
  await page.getByTestId('proceeding-status').getByText('双方同意调解').waitFor()
  log('accepted')

  await page.getByTestId('go-sessions').click()
  await field(page, 'session-room').fill('第一调解室')
  // A mediator with sessions from earlier runs: take the first free slot of tomorrow.
  for (const time of ['09:30', '11:30', '14:00', '16:00', '08:30', '10:30', '13:00', '15:00', '17:00']) {
    if (!(await page.getByTestId('clash').isVisible())) break
    await pickOption(page, 'session-start', time)
  }
  await page.getByTestId('schedule').click()
  await page.getByTestId('session-list').getByText('第一调解室').waitFor()
  // The slot just booked is the form's own: no red 时间冲突 beside the success message, and the
  // same booking cannot be sent twice (issue 18).
  await page.getByTestId('just-booked').waitFor()
  check(!(await page.getByTestId('clash').isVisible()), 'no clash shown against the session just booked')
  check(await page.getByTestId('schedule').isDisabled(), 'the same booking cannot be sent twice')
  // Another room at the same time is a double booking of the mediator: refused before it is sent.
  await field(page, 'session-room').fill('第二调解室')
  await page.getByTestId('clash').waitFor()
  check(await page.getByTestId('schedule').isDisabled(), 'double booking blocked')
  await fitsWidth(page, 'sessions')
  await shot(page, '08-sessions')
  log('session scheduled; double booking refused')

  await page.getByRole('tab', { name: '赔偿计算器' }).click()
  await field(page, 'calc-wage').fill('8000')
  await field(page, 'calc-start').fill('2022-03-01')
  await field(page, 'calc-start').press('Enter')
  await page.getByTestId('calc-run').click()
  await page.getByTestId('calc-result').waitFor()
  await shot(page, '09-calculator')
  log('calculator', { result: (await page.getByTestId('calc-result').innerText()).split('\n')[0] })

  await page.getByRole('tab', { name: '办理', exact: true }).click()
  await page.getByTestId('proceeding-status').getByText('调解中').waitFor()
  await page.getByTestId('outcome-agreement').click()
  await field(page, 'agreement-terms').fill('被申请人同意支付申请人12人拖欠工资及加班费共计100000元，分两期支付。')
  await field(page, 'agreement-total').fill('100000')
  await page.getByTestId('split').click()
  check((await field(page, 'payment-amount-1').inputValue()) === '50000.00', 'two instalments of 50,000')
  await field(page, 'signature-worker').fill('工人代表')
  await page.getByTestId('confirm-judicial').click()
  await fitsWidth(page, 'agreement form')
  await shot(page, '10-agreement-form')
  await page.getByTestId('save-agreement').click()
  await page.getByTestId('proceeding-status').getByText('调解成功').waitFor()
  await page.getByTestId('instalments').getByText('第2期').waitFor()
  await shot(page, '11-agreement')
  log('agreement with two instalments')
  await context.close()
}

async function supervisorJourney(browser, caseNo) {
  const { context, page } = await login(browser, 'supervisor')
  check(page.url().endsWith('/dashboard'), `a supervisor lands on the dashboard, not ${page.url()}`)
  await until('the agreement on the dashboard', async () => {
    const text = await page.getByTestId('recent-outcomes').innerText()
    // 挽回金额 counts money paid (issue 10); nothing is paid yet, the agreed amount shows apart.
    const agreed = await page.getByTestId('kpi-agreed').innerText()
    if (text.includes(caseNo) && text.includes('调解成功') && agreed !== '¥0.00') return true
    await page.getByTestId('refresh').click()
    await page.waitForTimeout(500)
    return false
  })
  const success = await page.getByTestId('kpi-success').innerText()
  check(success.endsWith('%'), `success rate shown, got ${success}`)
  await page.waitForTimeout(600) // let the charts finish their animation for the screenshot
  await fitsWidth(page, 'dashboard')
  await shot(page, '12-dashboard')
  log('dashboard', { success, recovered: await page.getByTestId('kpi-recovered').innerText() })

  await page.locator('[data-nav="/assignments"]').click()
  await page.getByTestId('assignment-table').waitFor()
  await page.locator('.el-checkbox', { hasText: '仅在办' }).click()
  await page.getByTestId(`explain-${caseNo}`).click()
  await page.getByTestId('candidates').getByText('综合得分').first().waitFor()
  await page.waitForTimeout(400) // the drawer slides in
  await fitsWidth(page, 'assignment drawer')
  await shot(page, '13-assignment')
  log('assignment explanation')
  await context.close()
}

async function adminLook(browser) {
  const { context, page } = await login(browser, 'admin')
  await page.locator('[data-nav="/deliveries"]').click()
  await page.getByTestId('partners-court').waitFor()
  await fitsWidth(page, 'deliveries')
  await shot(page, '14-deliveries')
  await page.locator('[data-nav="/registry"]').click()
  await page.getByRole('heading', { name: '登记调解员' }).waitFor()
  await fitsWidth(page, 'registry')
  await shot(page, '15-registry')
  log('admin screens')
  await context.close()
}


// Issue 10: re-routing a registered case to 劳动监察 and on to 法律援助 from the case page; a red
// case reaches the supervisor's notification centre without a reload, once.
function apiCase(n, signals = {}) {
  return {
    channel: 'walk_in',
    applicants: [{ name: `工人${RUN}R${n}`, id_number: idNumber(800 + n), monthly_wage: '6000.00', migrant_worker: true }],
    respondents: [{ name: `深圳市${RUN}${n}餐饮有限公司`, credit_code: creditCode(`91440300MA${RUN}C${n}`) }],
    claims: [{ category: 'wage_arrears', amount: '9000.00', description: '拖欠工资' }],
    facts: '公司拖欠两个月工资。',
    signals,
  }
}

async function rerouteJourney(browser) {
  const clerkToken = await token('clerk')
  const post = (body) =>
    api('/api/intake/cases', clerkToken, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const first = await post(apiCase(1))
  check(first.status === 'registered', `registered, got ${first.status}`)
  const { context, page } = await login(browser, 'clerk')
  await page.goto(`${BASE}/cases/${first.id}`)
  await page.getByTestId('reroute-box').waitFor()
  await pickOption(page, 'reroute-select', '劳动监察')
  await field(page, 'reroute-reason').fill('欠薪事实清楚，属明显违法行为')
  await page.getByTestId('reroute-submit').click()
  await page.getByTestId('detail-status').getByText('劳动监察办理中').waitFor()
  await fitsWidth(page, 'case re-routed')
  await shot(page, '16-rerouted-inspection')
  log('re-routed to inspection')
  // The same case on to legal aid (a re-route from the desk), then a second registered case too.
  await pickOption(page, 'reroute-select', '法律援助')
  await field(page, 'reroute-reason').fill('劳动者申请法律援助')
  await page.getByTestId('reroute-submit').click()
  await page.getByTestId('detail-status').getByText('法律援助办理中').waitFor()
  const second = await post(apiCase(2))
  await page.goto(`${BASE}/cases/${second.id}`)
  await pickOption(page, 'reroute-select', '法律援助')
  await field(page, 'reroute-reason').fill('农民工追索劳动报酬')
  await page.getByTestId('reroute-submit').click()
  await page.getByTestId('detail-status').getByText('法律援助办理中').waitFor()
  await shot(page, '17-rerouted-legal-aid')
  log('re-routed to legal aid')
  await context.close()

  const desk = await login(browser, 'legalaid')
  check(desk.page.url().endsWith('/desks/legal_aid'), `a legal-aid officer lands on the desk, not ${desk.page.url()}`)
  await desk.page.getByTestId('desk-queue').getByText(second.case_no).waitFor()
  await fitsWidth(desk.page, 'legal aid desk')
  await shot(desk.page, '18-legal-aid-desk')
  log('legal aid desk')
  await desk.context.close()
}

async function redAlertJourney(browser) {
  // Earlier journeys (and tests) leave notifications: start from none unread.
  await api('/api/intake/notifications/read-all', await token('supervisor'), { method: 'POST' })
  const { context, page } = await login(browser, 'supervisor')
  await page.getByTestId('notification-bell').waitFor()
  const red = await api('/api/intake/cases', await token('clerk'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(apiCase(3, { employer_absconded: true })),
  })
  check(red.risk_grade === 'red', `a red case, got ${red.risk_grade}`)
  const registeredAt = Date.now()
  // The header polls every 5 s: the badge counts it without a reload.
  await until('the red alert counted in the header', async () => {
    const text = await page.getByTestId('notification-badge').innerText()
    return /\d/.test(text.replace('通知', '')) && text
  }, 15_000)
  const seenAfterMs = Date.now() - registeredAt
  await page.getByTestId('notification-bell').click()
  await page.getByTestId('notification-list').getByText(red.case_no).first().waitFor()
  const titles = await page.getByTestId('notification-title').allInnerTexts()
  check(titles.filter((t) => t.includes(red.case_no)).length === 1, `exactly one notification for ${red.case_no}: ${titles}`)
  await fitsWidth(page, 'notifications')
  await shot(page, '19-notifications')
  log('red alert notified', { seenAfterMs })
  await context.close()
}

await main(async (browser) => {
  const { caseNo, caseId } = await clerkJourney(browser)
  const { username } = await assignedMediator(caseId)
  await mediatorJourney(browser, caseNo, username)
  await supervisorJourney(browser, caseNo)
  await rerouteJourney(browser)
  await redAlertJourney(browser)
  await adminLook(browser)
})

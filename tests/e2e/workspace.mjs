// Issue 18 (part A) in headless Chromium against a running gateway that serves the built SPA:
// a mediator sees the parties of their own proceeding and not of another's; a clerk corrects an
// amount and sees it on the timeline; a search for a sequence fragment ("00002") and for a name
// prefix finds the case; an export downloads an .xlsx (the pytest wrapper opens it with openpyxl).
//
//   GATEWAY_URL=… E2E_ACCOUNTS='{"clerk":"…",…}' ARTIFACTS=… node tests/e2e/workspace.mjs
import { join } from 'node:path'

import { ARTIFACTS, BASE, RUN, api, check, creditCode, field, idNumber, log, login, main, rawApi, shot, token, until } from './helpers.mjs'

const SURNAME = '欧阳'
const APPLICANT = `${SURNAME}${RUN}志`
const EMPLOYER = { name: `深圳市${RUN}工作台科技有限公司`, code: creditCode(`91440300MA${RUN}W1`) }

function form(n, name) {
  return {
    channel: 'walk_in',
    applicants: [{ name, id_number: idNumber(1300 + n + (Date.now() % 300)), phone: `1391234${String(1000 + n).slice(-4)}`, monthly_wage: '6000.00' }],
    respondents: [{ name: EMPLOYER.name, credit_code: EMPLOYER.code }],
    claims: [{ category: 'wage_arrears', amount: '12000.00', description: '拖欠两个月工资' }],
    facts: `申请人${name}称公司自8月起拖欠工资。`,
  }
}

async function register(clerk, body) {
  return api('/api/intake/cases', clerk, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

async function mediatorsSeeTheirOwnParties(browser, clerk) {
  const mediated = await register(clerk, form(1, `${APPLICANT}甲`))
  await api(`/api/intake/cases/${mediated.id}/route`, clerk, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'If-Match': `"${mediated.version}"` },
    body: JSON.stringify({ route: 'mediation' }),
  })
  const supervisor = await token('supervisor')
  const proceeding = await until('the case has a mediator', async () => {
    const page = await api(`/api/mediation/proceedings?case_id=${mediated.id}`, supervisor)
    return page.items.find((p) => p.mediator) ?? null
  })
  const mediators = await api('/api/mediation/mediators', supervisor)
  const mine = mediators.find((m) => m.id === proceeding.mediator.id)?.username
  const other = ['mediator1', 'mediator2'].find((u) => u !== mine)
  check(mine && other, `the assigned mediator (${mine}) and another (${other})`)
  // Intake learns the assignment from mediation's event: wait until it lets the mediator in.
  const mineToken = await token(mine)
  await until('intake lets the assigned mediator read the case', async () =>
    (await rawApi(`/api/intake/cases/${mediated.id}`, mineToken)).status === 200)

  const { context, page } = await login(browser, mine)
  await page.goto(`${BASE}/proceedings/${proceeding.id}`)
  const panel = page.getByTestId('case-file-panel')
  await panel.getByTestId('proceeding-applicants').getByText(`${APPLICANT}甲`).waitFor()
  await panel.getByTestId('proceeding-facts').getByText('拖欠工资').waitFor()
  check(await panel.getByText('139****').first().isVisible(), 'the phone shows masked')
  await shot(page, 'w01-mediator-parties')
  await context.close()
  log('mediator sees the parties of their own proceeding', { mediator: mine })

  const otherToken = await token(other)
  check((await rawApi(`/api/intake/cases/${mediated.id}`, otherToken)).status === 404, 'another mediator gets 404 from intake')
  const them = await login(browser, other)
  await them.page.goto(`${BASE}/proceedings/${proceeding.id}`)
  await them.page.waitForLoadState('networkidle')
  check((await them.page.getByText(`${APPLICANT}甲`).count()) === 0, `${other} must not see the parties`)
  await shot(them.page, 'w02-other-mediator')
  await them.context.close()
  log('another mediator does not see them', { mediator: other })
}

async function clerkCorrectsSearchesAndExports(browser, clerk) {
  const kase = await register(clerk, form(2, `${APPLICANT}乙`))
  const { context, page } = await login(browser, 'clerk', { acceptDownloads: true })
  await page.goto(`${BASE}/cases/${kase.id}`)
  await page.getByTestId('correct-open').click()
  await field(page, 'correct-amount-0').fill('13500.00')
  await field(page, 'correct-reason').fill('窗口录入金额有误')
  await page.getByTestId('correct-submit').click()
  await page.getByTestId('timeline').getByText('12000.00→13500.00').waitFor()
  await page.getByTestId('timeline').getByText('窗口录入金额有误').first().waitFor()
  await shot(page, 'w03-corrected')
  log('clerk corrected an amount, on the timeline')

  // Search as people type: the sequence with its zeros ("00002"-style) and a name prefix.
  const seq = Number(/〔\d{4}〕(\d+)号/.exec(kase.case_no)?.[1] ?? NaN)
  check(Number.isFinite(seq), `a sequence in ${kase.case_no}`)
  const fragment = String(seq).padStart(5, '0')
  await page.goto(`${BASE}/cases`)
  await field(page, 'f-quick').fill(fragment)
  await page.getByTestId('case-table').getByText(kase.case_no).waitFor()
  log('search by number fragment', { fragment })
  await field(page, 'f-quick').fill(`${SURNAME}${RUN}`)
  await page.getByTestId('case-table').getByText(kase.case_no).waitFor()
  await page.getByTestId('matched-party').getByText(`${APPLICANT}乙`).first().waitFor()
  await shot(page, 'w04-search')
  log('search by name prefix', { prefix: `${SURNAME}${RUN}` })

  // Export what the filter shows: both of this run's cases (same name prefix), not the others.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-cases').click()])
  const path = join(ARTIFACTS, 'w05-cases.xlsx')
  await download.saveAs(path)
  check(download.suggestedFilename().endsWith('.xlsx'), `an .xlsx, got ${download.suggestedFilename()}`)
  log('export downloaded', { path, filename: download.suggestedFilename(), prefix: `${SURNAME}${RUN}` })
  await context.close()
}

await main(async (browser) => {
  const clerk = await token('clerk')
  await mediatorsSeeTheirOwnParties(browser, clerk)
  await clerkCorrectsSearchesAndExports(browser, clerk)
})

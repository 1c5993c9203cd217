// Issue 14's "done when" in the SPA: a clerk registers two cases, a mediator mediates one to a
// signed agreement and ends the other without one, and each document is downloaded by clicking the
// screen's download link (playwright-core's download event): the 受理回执 (worded for the case's
// route) from the case page, the 调解协议书 and the 调解终结书 from the proceeding page. Its own cases
// (names carry this run's RUN tag), so it depends on no other script. The PDFs are saved under
// ARTIFACTS/documents/; test_documents_journey.py renders them (pdftoppm) and reads them (pdftotext).
//
//   GATEWAY_URL=… E2E_ACCOUNTS='{…}' node tests/e2e/documents.mjs
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { ARTIFACTS, check, creditCode, field, idNumber as anyIdNumber, log, login, main, pickOption, proceedingOf, RUN, shot } from './helpers.mjs'

// This script's own series of ID numbers (workers born in the 1950s): no other script makes them.
const idNumber = (seq) => anyIdNumber(seq, '195')

const FILES = join(ARTIFACTS, 'documents')
mkdirSync(FILES, { recursive: true })

const CASES = {
  agreed: {
    worker: { name: `文书甲${RUN}`, id: idNumber(300 + (Date.now() % 300)) },
    employer: { name: `深圳市${RUN}文书甲科技有限公司`, code: creditCode(`91440300MA${RUN}D1`) },
    claimed: '18600',
    agreed: '15800',
  },
  ended: {
    worker: { name: `文书乙${RUN}`, id: idNumber(600 + (Date.now() % 300)) },
    employer: { name: `深圳市${RUN}文书乙物流有限公司`, code: creditCode(`91440300MA${RUN}D2`) },
    claimed: '7300',
  },
}

async function register(browser, c) {
  const { context, page } = await login(browser, 'clerk')
  await field(page, 'applicant-name-0').fill(c.worker.name)
  await field(page, 'applicant-id-0').fill(c.worker.id)
  await field(page, 'respondent-name-0').fill(c.employer.name)
  await field(page, 'respondent-code-0').fill(c.employer.code)
  await pickOption(page, 'claim-category-0', '拖欠工资')
  await field(page, 'claim-amount-0').fill(c.claimed)
  await field(page, 'facts').fill('申请人在被申请人处任仓库管理员，被申请人拖欠申请人三个月工资。')
  await page.getByTestId('suggested-route').waitFor()
  await page.getByTestId('route-confirm').click()
  await page.getByTestId('submit').click()
  await page.waitForURL(/\/receipt\//)
  await page.getByTestId('case-no').waitFor()
  c.caseNo = await page.getByTestId('case-no').innerText()
  c.caseId = page.url().split('/receipt/')[1].split('?')[0]
  c.route = await page.getByTestId('receipt-route').innerText()
  return { context, page }
}

/** Generate ``label`` in the documents panel on the page and download it by its link. */
async function generateAndDownload(page, kind, label, name) {
  await pickOption(page, 'document-kind', label)
  await page.getByTestId('document-generate').click()
  const link = page.getByTestId(`document-download-${kind}`).first()
  await link.waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  const path = join(FILES, `${name}.pdf`)
  await download.saveAs(path)
  check(download.suggestedFilename().endsWith('.pdf'), `the download is named as a PDF: ${download.suggestedFilename()}`)
  return { path, suggested: download.suggestedFilename() }
}

async function assigned(caseId) {
  // By case_id: the shared stack holds other scripts' proceedings too.
  const { proceeding, username } = await proceedingOf(caseId)
  check(username, 'the assigned mediator has a login name')
  return { username, proceedingId: proceeding.id }
}

async function openProceeding(browser, c) {
  const { username, proceedingId } = await assigned(c.caseId)
  const { context, page } = await login(browser, username)
  await page.goto(new URL(`/proceedings/${proceedingId}`, page.url()).href)
  await page.getByTestId('proceeding-case-no').getByText(c.caseNo).waitFor()
  await field(page, 'accept-note').fill('双方当事人当面同意调解')
  await page.getByTestId('accept').click()
  await page.getByTestId('proceeding-status').getByText('双方同意调解').waitFor()
  return { context, page }
}

async function agreedJourney(browser) {
  const c = CASES.agreed
  const clerk = await register(browser, c)
  log('registered', { case: 'agreed', caseNo: c.caseNo, route: c.route })
  // The 受理回执 from the case page, worded for the route the clerk confirmed.
  await clerk.page.goto(new URL(`/cases/${c.caseId}`, clerk.page.url()).href)
  await clerk.page.getByTestId('case-documents').waitFor()
  const receipt = await generateAndDownload(clerk.page, 'receipt', '受理回执', 'receipt')
  await shot(clerk.page, 'documents-01-case-receipt')
  log('downloaded', { kind: 'receipt', file: receipt.path, caseNo: c.caseNo, route: c.route, names: [c.worker.name, c.employer.name], amounts: [c.claimed] })
  await clerk.context.close()

  const { context, page } = await openProceeding(browser, c)
  await page.getByTestId('go-sessions').click()
  await field(page, 'session-room').fill('第三调解室')
  for (const time of ['09:30', '11:30', '14:00', '16:00', '08:30', '10:30', '13:00', '15:00', '17:00']) {
    if (!(await page.getByTestId('clash').isVisible())) break
    await pickOption(page, 'session-start', time)
  }
  await page.getByTestId('schedule').click()
  await page.getByTestId('session-list').getByText('第三调解室').waitFor()
  await page.getByRole('tab', { name: '办理', exact: true }).click()
  await page.getByTestId('proceeding-status').getByText('调解中').waitFor()
  await page.getByTestId('outcome-agreement').click()
  await field(page, 'agreement-terms').fill(`被申请人同意支付申请人拖欠工资${c.agreed}元，分两期支付。`)
  await field(page, 'agreement-total').fill(c.agreed)
  await page.getByTestId('split').click()
  await field(page, 'signature-worker').fill(c.worker.name)
  await page.getByTestId('save-agreement').click()
  await page.getByTestId('proceeding-status').getByText('调解成功').waitFor()
  log('agreement signed', { caseNo: c.caseNo })

  await page.getByRole('tab', { name: '文书', exact: true }).click()
  await page.getByTestId('documents-panel').waitFor()
  const agreement = await generateAndDownload(page, 'agreement', '调解协议书', 'agreement')
  await shot(page, 'documents-02-proceeding-agreement')
  log('downloaded', { kind: 'agreement', file: agreement.path, caseNo: c.caseNo, names: [c.worker.name, c.employer.name], amounts: [c.agreed] })
  await context.close()
}

async function endedJourney(browser) {
  const c = CASES.ended
  const clerk = await register(browser, c)
  await clerk.context.close()
  log('registered', { case: 'ended', caseNo: c.caseNo, route: c.route })

  const { context, page } = await openProceeding(browser, c)
  await page.getByTestId('outcome-termination').click()
  await field(page, 'term-reason').fill('被申请人拒绝支付，双方未能达成协议')
  await field(page, 'term-facts').fill(`申请人于2024年3月入职被申请人处，月工资${c.claimed}元。`)
  await field(page, 'term-focus').fill('被申请人是否应支付拖欠的工资')
  await page.getByTestId('term-signed').click()
  await page.getByTestId('term-notice').click()
  await page.getByTestId('terminate').click()
  await page.getByTestId('proceeding-status').getByText('调解终结').waitFor()
  log('terminated', { caseNo: c.caseNo })

  await page.getByRole('tab', { name: '文书', exact: true }).click()
  await page.getByTestId('documents-panel').waitFor()
  const termination = await generateAndDownload(page, 'termination', '调解终结书', 'termination')
  await shot(page, 'documents-03-proceeding-termination')
  log('downloaded', { kind: 'termination', file: termination.path, caseNo: c.caseNo, names: [c.worker.name, c.employer.name], amounts: [c.claimed] })
  await context.close()
}

await main(async (browser) => {
  await agreedJourney(browser)
  await endedJourney(browser)
})

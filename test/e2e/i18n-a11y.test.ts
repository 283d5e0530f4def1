/**
 * Every tab in English, French and German in Debian's Chromium on `p1studio serve --demo`
 * (one serve, one browser): axe-core finds no serious or critical violation, and French and
 * German pages hold no English-only text (test/unit/renderer/untranslated.ts, run in the
 * page). The tabs are filled first as a user would: the demo's live values and raw frames,
 * a P1 key typed in, a capture of the virtual meter replayed ×10 and diagnosed (verdict
 * `ok`), the demo day imported into the history, a board profile. Also: the language comes
 * from the browser and is remembered, the switch re-words what is on screen, the tabs work
 * from the keyboard with a visible focus, verdicts are announced (role=status). Screenshots
 * of Diagnose and History in French and German go to $P1S_SCREENSHOTS when it is set, as in
 * the line-state tests.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'
import { waitForText, watchRequests } from '../helpers/chromium'
import { openStudio } from '../helpers/studio'
import { screenshotIfAsked } from '../helpers/line-state-ui'
import { CaptureWriter } from '../../src/main/capture/writer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { englishOnlyWords, findUntranslated, type Untranslated } from '../unit/renderer/untranslated'

const KEY = '3C4D5E6F708192A3B4C5D6E7F8091A2B' // test key, not a meter's
const dir = mkdtempSync(join(tmpdir(), 'p1s-i18n-'))
const captures = join(dir, 'captures')
const TABS = ['connect', 'live', 'raw', 'diagnose', 'capture', 'history', 'board'] as const
const LOCALES = ['en', 'fr', 'de'] as const

/** Two minutes of the virtual meter at its real 10 s cadence, as P1 Studio records it. */
function makeCapture(): void {
  mkdirSync(captures, { recursive: true })
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  const w = new CaptureWriter({ path: join(captures, 'site-visit.p1cap'), source: 'test', appVersion: 't' })
  const t0 = Date.parse('2026-06-20T10:00:00+02:00')
  for (let t = t0; t <= t0 + 120_000; t += 10_000) w.write(meter.nextFrame(new Date(t))!, t)
  w.close()
}

/** axe-core's WCAG 2.1 A and AA rules on the page: the serious and critical violations, one line each. */
async function serious(page: Page): Promise<string[]> {
  // axe.run in the page itself (the UI has no frames): the default mode injects axe three times
  // and finishes in a new blank page per analysis, twice the CPU for the same rules and nodes
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode(true).analyze()
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`
    )
}

async function untranslated(page: Page, locale: 'fr' | 'de'): Promise<Untranslated[]> {
  const words = englishOnlyWords(locale)
  return page.evaluate(`(${findUntranslated.toString()})(document.body, ${JSON.stringify(locale)}, ${JSON.stringify(words)})`) as Promise<Untranslated[]>
}

describe('every tab in English, French and German: axe-core and untranslated text', () => {
  let studio: Awaited<ReturnType<typeof openStudio>>
  let browser: Browser
  let origin: string
  let page: Page
  let requests: ReturnType<typeof watchRequests>

  /** A page in a context of its own (axe-core needs one), carrying serve's token cookie from the first page. */
  async function openPage(options: BrowserContextOptions = {}, onPage: (p: Page) => void = () => undefined): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, bypassCSP: true, ...options })
    await context.addCookies(await studio.page.context().cookies())
    const p = await context.newPage()
    onPage(p)
    await p.goto(`${origin}/`)
    return p
  }

  beforeAll(async () => {
    makeCapture()
    studio = await openStudio(['--demo', '--listen', '127.0.0.1:0', '--capture-dir', captures, '--history', join(dir, 'history.duckdb')])
    await studio.page.getByTestId('tab-connect').waitFor()
    browser = studio.page.context().browser()!
    origin = new URL(studio.page.url()).origin
    page = await openPage({ locale: 'en-US' }, (p) => (requests = watchRequests(p)))
  }, 90_000)

  afterAll(async () => {
    await studio?.close()
  })

  it('takes the language from the browser, switches it from the header and remembers it', async () => {
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    expect(await page.getByTestId('tab-connect').innerText()).toBe('Connect')
    const german = await openPage({ locale: 'de-DE' })
    await waitForText(german.getByTestId('tab-connect'), (t) => t === 'Verbinden')
    expect(await german.locator('html').getAttribute('lang')).toBe('de')
    await german.context().close()

    await page.getByTestId('language-select').selectOption('fr')
    await waitForText(page.getByTestId('tab-history'), (t) => t === 'Historique')
    expect(await page.locator('html').getAttribute('lang')).toBe('fr')
    await page.reload()
    await waitForText(page.getByTestId('tab-history'), (t) => t === 'Historique')
    await page.getByTestId('language-select').selectOption('en')
    await waitForText(page.getByTestId('tab-history'), (t) => t === 'History')
  }, 60_000)

  it('tabs are a tablist: arrow keys, Home and End move and select, with a visible focus', async () => {
    await page.getByTestId('tab-connect').click()
    await page.getByTestId('tab-connect').focus()
    await page.keyboard.press('ArrowRight')
    expect(await page.getByTestId('tab-live').getAttribute('aria-selected')).toBe('true')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('tab-live')
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')
    expect(outline).not.toBe('none')
    await page.keyboard.press('End')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('tab-board')
    await page.keyboard.press('ArrowRight')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('tab-connect')
    await page.keyboard.press('ArrowLeft')
    expect(await page.getByTestId('tab-board').getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('Home')
    expect(await page.getByTestId('tab-connect').getAttribute('aria-selected')).toBe('true')
    expect(await page.getByRole('tab', { selected: true }).innerText()).toBe('Connect')
    expect(await page.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-connect')
  })

  it('every tab, filled, in each language: 0 serious/critical axe violations and no English left', async () => {
    // the demo's values and frames
    await waitForText(page.getByTestId('status-decoded'), (t) => /Decoded: [1-9]/.test(t), 30_000)

    // a P1 key, the capture replayed ×10 and diagnosed, the demo day in the history, a board profile
    await page.getByTestId('language-select').selectOption('en')
    await page.getByTestId('tab-connect').click()
    await page.getByTestId('key-input').fill(KEY)
    await page.getByTestId('key-set').click()
    await waitForText(page.getByTestId('key-masked'), (t) => t.endsWith('1A2B'))
    await page.getByTestId('tab-capture').click()
    await page.getByTestId('open-speed').selectOption('10')
    await page.getByTestId('capture-open').first().click()
    await waitForText(page.getByTestId('status-source'), (t) => t.includes('site-visit.p1cap'))
    await page.getByTestId('tab-diagnose').click()
    await page.getByTestId('diag-start').click()
    expect(await waitForText(page.getByTestId('diag-verdict-code'), (t) => t.length > 0, 60_000)).toBe('ok')
    expect(await page.locator('[role="status"]', { hasText: 'Verdict ok' }).count()).toBe(1)
    await page.getByTestId('tab-history').click()
    await page.getByTestId('history-import-demo').click()
    await waitForText(page.getByTestId('history-message'), (t) => t.includes('SAG1030700DEMO01'), 60_000)
    await waitForText(page.getByTestId('history-range'), (t) => /min\/max/.test(t))
    await page.getByTestId('tab-board').click()
    await page.getByTestId('board-profile-new').click()
    await page.waitForSelector('[data-testid="board-profile-form"]')
    const profileId = await page.getByTestId('board-profile-select').inputValue()

    const found: Record<string, string[]> = {}
    for (const locale of LOCALES) {
      await page.getByTestId('language-select').selectOption(locale)
      for (const tab of TABS) {
        await page.getByTestId(`tab-${tab}`).click()
        if (tab === 'diagnose') await page.waitForSelector('[data-testid="diag-verdict"]')
        if (tab === 'history') await page.waitForSelector('[data-testid="history-days"] tbody tr')
        if (tab === 'board') {
          await page.getByTestId('board-profile-select').selectOption(profileId)
          await page.waitForSelector('[data-testid="board-profile-form"]')
        }
        if (tab === 'capture') await page.waitForSelector('[data-testid="capture-file"]')
        await requests.settled() // what the tab asked serve for is answered and painted
        const key = `${locale} ${tab}`
        found[key] = await serious(page)
        if (locale !== 'en') for (const f of await untranslated(page, locale)) found[key].push(`untranslated: ${f.where} "${f.text}" (${f.words.join(', ')})`)
        if (locale !== 'en' && (tab === 'diagnose' || tab === 'history')) await screenshotIfAsked(page, `${tab}-${locale}.png`)
      }
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])))

    // what was on screen is re-worded: the verdict, the check titles, the days table's numbers and dates
    await page.getByTestId('tab-diagnose').click()
    expect(await page.getByTestId('diag-summary').innerText()).toMatch(/^Installation in Ordnung: Alle 10 s kommt ein Frame/)
    await page.getByTestId('language-select').selectOption('fr')
    expect(await page.getByTestId('diag-summary').innerText()).toMatch(/^Installation correcte\s?: une trame arrive toutes les 10 s/)
    await page.getByTestId('tab-history').click()
    const day = await page.getByTestId('day-import-2026-06-21').innerText()
    expect(day).toMatch(/^\d+,\d{3}$/)
    await page.getByTestId('language-select').selectOption('en')
    expect(await page.getByTestId('day-import-2026-06-21').innerText()).toBe(day.replace(',', '.'))
  }, 600_000)
})

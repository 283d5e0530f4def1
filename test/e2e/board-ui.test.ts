/**
 * The Board tab in Debian's Chromium on `p1studio serve --demo`, end to end through the
 * session's contract (WebSocket → StudioSession → BoardService):
 * - flash an ESP8266 image into the ROM-bootloader double on a socat pty pair: chip shown,
 *   progress, result verified, and the double's flash equals the image;
 * - a board profile with the P1 key: config.h preview masks the key and says whether the key
 *   decrypts the frames of the open source (the demo meter), right key and wrong key.
 */
import { copyFileSync, mkdirSync, readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { waitForText } from '../helpers/chromium'
import { ROOT } from '../helpers/serve'
import { openStudio } from '../helpers/studio'
import { openPtyPair } from '../helpers/pty'
import { RomDouble } from '../helpers/rom-double'
import { DEMO_KEY_HEX } from '../../src/main/line/demo-source'

const IMAGE = resolve(ROOT, 'test/fixtures/board/esp8266-app.bin')
const dir = mkdtempSync(join(tmpdir(), 'p1s-boardui-'))

describe('Board tab in Chromium', () => {
  let studio: Awaited<ReturnType<typeof openStudio>>
  let page: Page
  let pty: Awaited<ReturnType<typeof openPtyPair>>
  let rom: RomDouble | null = null

  beforeAll(async () => {
    pty = await openPtyPair()
    // a browser names firmware images in the data folder's firmware folder, and opens only listed or allowed ports
    const firmware = join(process.env.P1STUDIO_DATA_DIR!, 'firmware')
    mkdirSync(firmware, { recursive: true })
    copyFileSync(IMAGE, join(firmware, 'esp8266-app.bin'))
    studio = await openStudio(
      ['--demo', '--listen', '127.0.0.1:0', '--capture-dir', join(dir, 'captures'), '--history', join(dir, 'h.duckdb'), '--allow-port', pty.b],
      {
        viewport: { width: 1280, height: 1000 }
      }
    )
    page = studio.page
  }, 90_000)

  afterAll(async () => {
    await studio?.close()
    await rom?.stop()
    await pty?.close()
  })

  it('flashes an image into the ROM double and shows chip, progress and the verified result', async () => {
    rom = await RomDouble.start(pty.a, { chip: 'esp8266', mac: '5c:cf:7f:11:22:33' })
    await page.getByTestId('tab-board').click()
    await page.getByTestId('board-port-path').fill(pty.b)
    await page.getByTestId('board-no-reset').check()
    await page.getByTestId('board-image-path-0').fill('esp8266-app.bin')
    await page.getByTestId('board-image-offset-0').fill('0x0')
    await page.getByTestId('board-flash').click()
    // the result, or the error the user would read
    const outcome = await waitForText(page.locator('[data-testid="board-flash-result"], [data-testid="board-error"]'), (t) => t.length > 0, 80_000).catch(
      async (e: Error) => {
        throw new Error(
          `${e.message}; phase ${await page
            .getByTestId('board-progress')
            .innerText()
            .catch(() => '?')}; log: ${await page.getByTestId('board-log').innerText()}; double: ${rom?.events.slice(-8).join(' | ')}`
        )
      }
    )
    const error = (await page.getByTestId('board-error').count()) > 0 ? await page.getByTestId('board-error').innerText() : null
    expect(error, `flash failed: ${error}; log: ${await page.getByTestId('board-log').innerText()}; double: ${rom.events.slice(-12).join(' | ')}`).toBeNull()
    const result = await waitForText(page.getByTestId('board-flash-result'), (t) => t.includes('verified'), 5_000)
    expect(outcome).toContain('verified')
    expect(result).toContain('esp8266-app.bin')
    expect(await page.getByTestId('board-chip-mac').innerText()).toBe('5c:cf:7f:11:22:33')
    expect(await page.getByTestId('board-chip-name').innerText()).toContain('ESP8266')
    expect(await page.getByTestId('board-progress-phase').innerText()).toBe('done')
    const image = readFileSync(IMAGE)
    expect(Buffer.compare(rom.flash.subarray(0, image.length), image)).toBe(0)
    // the log tells the user to reset the board by hand (a pty has no RTS)
    expect(await page.getByTestId('board-log').innerText()).toMatch(/RESET/)
  }, 100_000)

  it('checks the profile P1 key against the demo meter before it goes into config.h, and masks it', async () => {
    await page.getByTestId('tab-board').click()
    await page.getByTestId('board-profile-new').click()
    await page.getByTestId('board-f-name').fill('Demo customer')
    await page.getByTestId('board-f-KEY_SMARTY').fill(DEMO_KEY_HEX)
    await page.getByTestId('board-f-MY_WIFI_SSID').fill('Maison')
    await page.getByTestId('board-f-MY_WIFI_PASSWORD').fill('wifi-secret-1')
    await page.getByTestId('board-f-MQTT_SERVER').fill('192.168.1.5')
    await page.getByTestId('board-profile-save').click()
    await waitForText(page.getByTestId('board-validation'), (t) => t.length > 0)

    // the demo must have sent a frame to try the key on
    await waitForText(page.getByTestId('status-decoded'), (t) => /Decoded: [1-9]/.test(t), 30_000)
    await page.getByTestId('board-config-generate').click()
    const check = await waitForText(page.getByTestId('board-keycheck'), (t) => /decrypts|does not|not tried|not sent/.test(t), 30_000)
    expect(check).toMatch(/decrypts the frames of meter/)
    const text = await page.getByTestId('board-config-text').innerText()
    expect(text).toContain('KEY_SMARTY')
    expect(text).not.toContain(DEMO_KEY_HEX)
    expect(text).not.toContain(DEMO_KEY_HEX.toLowerCase())
    // config.h spells the key as bytes: {0x.., 0x.., …}
    const bytes = DEMO_KEY_HEX.match(/../g)!
      .slice(0, 4)
      .map((b) => `0x${b}`)
      .join(', ')
    expect(text).not.toContain(bytes)
    expect(text).not.toContain('wifi-secret-1')
    expect(text).toContain('Maison')

    // a wrong key is caught, and saving needs a second, explicit click
    await page.getByTestId('board-f-KEY_SMARTY').fill('00112233445566778899AABBCCDDEEFF')
    await page.getByTestId('board-profile-save').click()
    await page.getByTestId('board-config-generate').click()
    const bad = await waitForText(page.getByTestId('board-keycheck'), (t) => /does not decrypt/.test(t), 30_000)
    expect(bad).toMatch(/system title/)
    await expect(page.getByTestId('board-config-save-anyway').isVisible()).resolves.toBe(true)
  })
})

/**
 * Child process for the disk-full test: writes 1 kB records into a capture until the
 * writer fails (run under `prlimit --fsize=N`, which makes writes fail with EFBIG like a
 * full disk fails with ENOSPC), then prints {"error", "written"} as JSON.
 */
process.on('SIGXFSZ', () => undefined) // let the write fail instead of killing the process
const { CaptureWriter } = await import('../../src/main/capture/writer')
const w = new CaptureWriter({ path: process.argv[2], source: 'test', appVersion: 'test' })
let error = ''
let written = 0
w.on('error', (e) => (error = e.message))
for (let i = 0; i < 1000 && !error; i++) {
  w.write(Buffer.alloc(1000, i & 0xff), 1_700_000_000_000 + i * 10_000)
  if (!error) written++
}
process.stdout.write(JSON.stringify({ error, written }) + '\n')
export {}

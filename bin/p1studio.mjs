#!/usr/bin/env node
// p1studio command line: runs the TypeScript sources through tsx's loader (no build step).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main/cli.ts')
process.exitCode = await main(process.argv.slice(2))

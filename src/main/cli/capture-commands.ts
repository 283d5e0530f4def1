/** `p1studio` capture commands (filled in by their issue). */

/** Usage lines of these commands, inserted in `p1studio help`. */
export const CAPTURE_USAGE = ''

/** Command name → run(args) → exit status. */
export const captureCommands: Record<string, (args: string[]) => Promise<number>> = {}

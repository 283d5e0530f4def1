/** `p1studio` diagnose commands (filled in by their issue). */

/** Usage lines of these commands, inserted in `p1studio help`. */
export const DIAGNOSE_USAGE = ''

/** Command name → run(args) → exit status. */
export const diagnoseCommands: Record<string, (args: string[]) => Promise<number>> = {}

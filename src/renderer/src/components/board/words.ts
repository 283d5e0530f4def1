/**
 * The Board tab's coded messages in the language shown (issue 16): field errors, sketch notes,
 * why a stored secret cannot be read, and which protection keeps the secrets. Each is worded
 * from its stable code and params (docs/board.md) under `board.codes.<code>` of the catalogue
 * (src/shared/i18n/messages), through the same wording as the main side's errors
 * (../../api/wording.ts); a code the catalogue does not know shows the main side's English
 * sentence, marked lang="en".
 */
import type { BoardFieldError, BoardMessage, BoardParams, SecretProtection } from '@shared/board'
import { hasText, serverLang, t } from '../../i18n'
import { wordCoded, type Worded } from '../../api/wording'

/**
 * Numbers of board messages are config.h values and limits (a port's 32767, PUBLISH_TIME's
 * 86400000 ms): written as the user types them into the field, never grouped ("32.767").
 */
function asTyped(p: BoardParams): BoardParams {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]))
}

/** A config.h field's label ("Broker (IP or host)"), else its name as in config.h. */
export function fieldLabel(field: string): string {
  const key = `board.profile.fields.${field}`
  return hasText(key) ? t(key) : field
}

/**
 * A coded board message (note, key check, secret read error) in words. A key check's meter
 * ({meterId, systemTitle}, either may be null) is named by one `meter` param: the meter id, else
 * the system title, else "—"; a sketch note's switch by what it is for ({why}).
 */
export function wordBoardMessage(m: Pick<BoardMessage, 'code' | 'message'> & { params?: BoardMessage['params'] }): Worded {
  const params = asTyped(m.params ?? {})
  if (m.code.startsWith('key_')) params.meter = params.meterId ?? params.systemTitle ?? t('common.none')
  // why a switch changes, from its name (docs/board.md, "Notes")
  if (m.code.startsWith('define_')) {
    const key = `board.defineWhy.${String(params.define)}`
    params.why = hasText(key) ? t(key) : String(params.define)
  }
  return wordCoded({ code: m.code, message: m.message, params }, 'board.codes')
}

/** A field error in words: from its code when the main side sent one, else its English sentence. */
export function wordFieldError(e: BoardFieldError): Worded {
  if (!e.code) return { text: e.message, lang: serverLang.value, data: [] }
  return wordCoded({ code: e.code, message: e.message, params: { ...asTyped(e.params ?? {}), field: fieldLabel(e.field) } }, 'board.codes')
}

/** Which protection keeps this computer's board secrets, in words; null when not known yet. */
export function wordProtection(p: SecretProtection | null): Worded | null {
  if (!p) return null
  const key = `board.protection.${p.kind.replace(/-/g, '_')}`
  if (!hasText(key)) return { text: p.label, lang: serverLang.value, data: p.keyFile ? [p.keyFile] : [] }
  return { text: t(key, { keyFile: p.keyFile ?? '' }), lang: undefined, data: p.keyFile ? [p.keyFile] : [] }
}

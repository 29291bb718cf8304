// Kratos messages in the UI language: the ids we know have our own text (with
// Kratos's context values filled in); any other id shows the text Kratos sent.
import { i18n } from '../i18n'
import type { UiNode, UiText } from './kratos'

/** Kratos message ids with a message under kratos.messages.m<id>. */
export const KNOWN_MESSAGE_IDS = [
  1010001, 1010022, 1010013, 1050001, 1060001, 1060003, 1070001, 1070003, 1070004, 1070005, 1070007, 1070009, 1070010,
  4000001, 4000002, 4000005, 4000006, 4000010, 4000031, 4000032, 4000033, 4000034, 4000038, 4010001, 4010002, 4050001, 4060004,
  4060005, 4060006,
] as const

function contextValues(context: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(context ?? {})) out[k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : v
  return out
}

export function messageKey(id: number): string {
  return `kratos.messages.m${id}`
}

/** The text to show for a Kratos message. */
export function kratosText(msg: UiText | undefined | null): string {
  if (!msg) return ''
  const key = messageKey(msg.id)
  const { t, te } = i18n.global
  // te() looks in the current locale only; every known id exists in both (checked by a test).
  if (te(key)) return t(key, contextValues(msg.context))
  return msg.text
}

/** A node's label: ours for known ids, Kratos's text otherwise, else the field name. */
export function nodeLabel(node: UiNode): string {
  const label = node.meta?.label
  if (label) return kratosText(label)
  const attrs = node.attributes as { name?: string }
  return attrs.name ?? ''
}

/** Maps a Kratos error id (from /self-service/errors or a failed call) to a message. */
export function kratosErrorText(id: string | undefined, fallback?: string): string {
  const { t, te } = i18n.global
  const key = `kratos.errors.${id ?? ''}`
  if (id && te(key)) return t(key)
  return fallback || t('kratos.errors.generic')
}

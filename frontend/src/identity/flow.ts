// Reading a Kratos flow's ui.nodes generically, so the pages keep working when
// Kratos adds a node: which inputs to show, which buttons submit, and the body
// to post back.
import type { Flow, UiAnchorAttributes, UiInputAttributes, UiNode, UiText, UiTextAttributes } from './kratos'

export function isInput(node: UiNode): node is UiNode & { attributes: UiInputAttributes } {
  return node.attributes.node_type === 'input'
}

export function isText(node: UiNode): node is UiNode & { attributes: UiTextAttributes } {
  return node.attributes.node_type === 'text'
}

export function isAnchor(node: UiNode): node is UiNode & { attributes: UiAnchorAttributes } {
  return node.attributes.node_type === 'a'
}

// Plain booleans rather than type guards: both narrow to the same type as isInput, which would make "not a button" never.
export function isSubmit(node: UiNode): boolean {
  return isInput(node) && (node.attributes.type === 'submit' || node.attributes.type === 'button')
}

export function isHidden(node: UiNode): boolean {
  return isInput(node) && node.attributes.type === 'hidden'
}

type InputNode = UiNode & { attributes: UiInputAttributes }

/** Nodes of the given groups; "default" (the CSRF token, the identifier) always belongs. */
export function nodesOf(flow: Flow, groups?: readonly string[]): UiNode[] {
  return flow.ui.nodes.filter((n) => !groups || n.group === 'default' || groups.includes(n.group))
}

/** The inputs a person fills in: neither hidden nor buttons. */
export function fieldNodes(nodes: readonly UiNode[]): (UiNode & { attributes: UiInputAttributes })[] {
  return nodes.filter((n): n is UiNode & { attributes: UiInputAttributes } => isInput(n) && !isHidden(n) && !isSubmit(n))
}

export function submitNodes(nodes: readonly UiNode[]): InputNode[] {
  return nodes.filter((n): n is InputNode => isSubmit(n))
}

/** The CSRF token Kratos expects back; absent in flows made by the admin API (invitations). */
export function csrfToken(flow: Flow): string | undefined {
  const node = flow.ui.nodes.find((n) => isInput(n) && n.attributes.name === 'csrf_token')
  const value = node && isInput(node) ? node.attributes.value : undefined
  return typeof value === 'string' && value ? value : undefined
}

/** What the form starts with: the values Kratos filled in (e.g. the identifier after a failed attempt). */
export function initialValues(nodes: readonly UiNode[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {}
  for (const n of fieldNodes(nodes)) {
    const v = n.attributes.value
    if (n.attributes.type === 'checkbox') out[n.attributes.name] = v === true
    else out[n.attributes.name] = typeof v === 'string' || typeof v === 'number' ? String(v) : ''
  }
  return out
}

/** The button pressed: a node of the flow, or just a method name. */
export type Submitter = string | (UiNode & { attributes: UiInputAttributes })

/** The method a button submits: its value when it is the "method" button, else its group. */
export function submitterMethod(submitter: Submitter): string {
  if (typeof submitter === 'string') return submitter
  return submitter.attributes.name === 'method' ? String(submitter.attributes.value ?? submitter.group) : submitter.group
}

/**
 * The JSON body of a submission: every hidden input (csrf_token, …) of the
 * submitted group as Kratos sent it, the values typed in, and the method of the
 * button pressed. Only the fields of the method's group (and "default") go along.
 */
export function flowBody(flow: Flow, submitter: Submitter, values: Record<string, unknown>): Record<string, unknown> {
  const method = submitterMethod(submitter)
  const body: Record<string, unknown> = {}
  for (const n of nodesOf(flow, [method])) {
    if (!isInput(n) || isSubmit(n)) continue
    const name = n.attributes.name
    if (isHidden(n)) {
      if (n.attributes.value !== undefined && n.attributes.value !== null && n.attributes.value !== '') body[name] = n.attributes.value
    } else if (name in values) {
      body[name] = values[name]
    }
  }
  // A button other than "method" (e.g. resend a code) carries its own name and value.
  if (typeof submitter !== 'string' && submitter.attributes.name !== 'method') body[submitter.attributes.name] = submitter.attributes.value
  body.method = method
  return body
}

/** Messages of the flow and of its nodes, e.g. to find out whether an attempt failed. */
export function allMessages(flow: Flow): UiText[] {
  return [...(flow.ui.messages ?? []), ...flow.ui.nodes.flatMap((n) => n.messages ?? [])]
}

export function hasErrors(flow: Flow): boolean {
  return allMessages(flow).some((m) => m.type === 'error')
}

/**
 * Sign-in identifiers are matched exactly as stored: emails lower-cased,
 * phone numbers in E.164. A Chinese mobile number typed the usual way
 * (138 0013 8000, 138-0013-8000, 8613800138000, 008613800138000) becomes
 * +8613800138000; anything else is only trimmed.
 */
export function normalizeIdentifier(input: string): string {
  const value = input.trim()
  if (value.includes('@')) return value.toLowerCase()
  const compact = value.replace(/[\s\-()（）]/g, '')
  const mobile = /^(?:\+?86|0086)?(1\d{10})$/.exec(compact)
  if (mobile) return `+86${mobile[1]}`
  if (/^\+\d{7,15}$/.test(compact)) return compact
  if (/^00\d{7,15}$/.test(compact)) return `+${compact.slice(2)}`
  return value
}

/** A phone number for the staff API (E.164), or null when it is not one. */
export function normalizePhone(input: string): string | null {
  const v = normalizeIdentifier(input)
  return /^\+[1-9]\d{6,14}$/.test(v) ? v : null
}

// The signed-in caller's notifications in a street: what the header's bell
// shows (the unread count and the latest few), kept in one place so the bell
// and the full page agree. API keys have none (the server answers 403).
import { ElMessage } from 'element-plus'
import { reactive } from 'vue'
import type { Router } from 'vue-router'
import { api } from './api'
import { toProblem } from './api/problem'
import type { Me, Notification, NotificationKind } from './api/types'

/** How often the bell asks again while a street's page is open. */
export const POLL_MS = 60_000
/** How many the bell's dropdown lists. */
export const BELL_LIMIT = 8

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

/** 紧急 red, 督办 orange, 催办 amber, 新交办 blue, 吹哨报到 green-blue. */
export const NOTIFICATION_TAG: Readonly<Record<NotificationKind, { type: TagType; effect: 'light' | 'dark' | 'plain' }>> = {
  urgent: { type: 'danger', effect: 'dark' },
  escalation: { type: 'warning', effect: 'dark' },
  reminder: { type: 'warning', effect: 'light' },
  assignment: { type: 'primary', effect: 'light' },
  summons: { type: 'success', effect: 'light' },
  reopened: { type: 'danger', effect: 'light' },
}

/** Notifications are for signed-in staff; an API key has none. */
export function mayNotify(me: Me | null | undefined): boolean {
  return me?.credential === 'session'
}

/** "99+" past 99, nothing at 0. */
export function badgeText(unread: number): string {
  if (unread <= 0) return ''
  return unread > 99 ? '99+' : String(unread)
}

export const notices = reactive({
  /** The street the count is for. */
  code: '',
  unread: 0,
  latest: [] as Notification[],
  loading: false,
  /** The last refresh failed (the bell keeps what it showed). */
  failed: false,
})

let seq = 0

/** Reloads the count and the latest few of a street. */
export async function refreshNotices(code: string): Promise<void> {
  const mine = ++seq
  if (notices.code !== code) {
    notices.code = code
    notices.unread = 0
    notices.latest = []
  }
  notices.loading = true
  try {
    const page = await api.listNotifications(code, { limit: BELL_LIMIT })
    if (mine !== seq) return
    notices.unread = page.unread
    notices.latest = page.items
    notices.failed = false
  } catch {
    if (mine === seq) notices.failed = true
  } finally {
    if (mine === seq) notices.loading = false
  }
}

/** Marks one read (once: reading it again keeps the first time) and updates the count here at once. */
export async function markRead(code: string, n: Notification): Promise<void> {
  if (n.read_at) return
  await api.readNotification(code, n.id)
  const at = new Date().toISOString()
  n.read_at = at
  if (notices.code === code) {
    const shown = notices.latest.find((x) => x.id === n.id)
    if (shown && shown !== n) shown.read_at = at
    notices.unread = Math.max(0, notices.unread - 1)
  }
}

/** Marks everything read. */
export async function markAllRead(code: string): Promise<void> {
  await api.readAllNotifications(code)
  if (notices.code === code) {
    const at = new Date().toISOString()
    notices.unread = 0
    for (const n of notices.latest) n.read_at ??= at
  }
}

/** Opens a notification: marks it read (a failure is said, not fatal) and goes to its case. */
export async function openNotice(router: Router, code: string, n: Notification): Promise<void> {
  try {
    await markRead(code, n)
  } catch (e) {
    ElMessage.error(toProblem(e).title)
  }
  if (n.case_id) await router.push({ name: 'case', params: { code, id: n.case_id } })
}

// The closed loop of cases as the staff pages see it: the lifecycle's steps
// and who may take them, the inbox tabs each role gets, deadlines and how
// they read. The server decides everything again; this only shapes the UI.
import type { CaseAction } from './api'
import { ApiError } from './api/client'
import { toProblem } from './api/problem'
import type {
  Case,
  CaseChannel,
  CaseFilter,
  CaseGrade,
  CaseInbox,
  CaseSort,
  CaseStatus,
  DispatchRule,
  DispatchSuggestion,
  LedgerItem,
  Me,
  Problem,
  Role,
  Summons,
} from './api/types'
import { can, union, type PermissionList } from './permissions'

export const CASE_STATUSES: readonly CaseStatus[] = [
  'reported',
  'dispatched',
  'accepted',
  'resolved',
  'confirmed',
  'closed',
  'cancelled',
  'merged',
]

export const CASE_CHANNELS: readonly CaseChannel[] = [
  'grid_report',
  'qr',
  'hotline_12345',
  'visit',
  'petition',
  'online',
  'superior_assigned',
  'screening',
]

/** 一般, 较大, 重大, 紧急: mildest first. */
export const CASE_GRADES: readonly CaseGrade[] = ['general', 'major', 'serious', 'urgent']

/** The lifecycle's steps in loop order (the server's actionOrder). */
export const CASE_ACTIONS: readonly CaseAction[] = [
  'dispatch',
  'accept',
  'return',
  'resolve',
  'self_resolve',
  'confirm',
  'close',
  'reopen',
  'merge',
  'cancel',
]

/** Steps the server refuses (422 on body.note) without a note: a reason, the result or the answer. */
export const NOTE_REQUIRED: ReadonlySet<CaseAction> = new Set<CaseAction>(['return', 'cancel', 'reopen', 'resolve', 'self_resolve', 'close'])

/** Steps that end a case's part in the loop and deserve a red button. */
const DANGER_STEPS: ReadonlySet<CaseAction> = new Set<CaseAction>(['cancel', 'return'])

export function isCaseAction(a: string): a is CaseAction {
  return (CASE_ACTIONS as readonly string[]).includes(a)
}

export function actionButtonType(a: CaseAction): 'primary' | 'danger' | 'default' {
  if (DANGER_STEPS.has(a)) return 'danger'
  return a === 'merge' || a === 'reopen' ? 'default' : 'primary'
}

// --- who may do what --------------------------------------------------------

/**
 * The case permissions of each role (authz/policy.csv). The server lists
 * permissions at streets and nodes, but not those a department role gives:
 * department staff hold theirs in their department, which is neither.
 */
export const ROLE_CASE_PERMISSIONS: Readonly<Record<Role, readonly string[]>> = {
  county_admin: ['case:read', 'case:write', 'case:dispatch', 'case:handle', 'case:confirm', 'case:summon'],
  county_viewer: ['case:read'],
  judge: [],
  street_admin: ['case:read', 'case:write', 'case:dispatch', 'case:handle', 'case:confirm', 'case:summon'],
  dispatcher: ['case:read', 'case:write', 'case:dispatch', 'case:confirm', 'case:summon'],
  department_staff: ['case:read', 'case:write', 'case:handle'],
  community_staff: ['case:read', 'case:write', 'case:summon'],
  grid_worker: ['case:read', 'case:write'],
  mediator: ['case:read'],
}

const streetMemberships = (me: Me | null | undefined, tenantCode: string) =>
  (me?.memberships ?? []).filter((m) => m.tenant_code === tenantCode)

/** Departments the caller works in, in this street. */
export function myDepartmentIds(me: Me | null | undefined, tenantCode: string): number[] {
  return [...new Set(streetMemberships(me, tenantCode).flatMap((m) => (m.department_id ? [m.department_id] : [])))]
}

/**
 * Permissions somewhere in the street: what the server listed (street-wide
 * and at the caller's top nodes) plus what department roles give there.
 */
export function streetCasePermissions(me: Me | null | undefined, tenantCode: string, listed: PermissionList): string[] {
  const departmentRoles = streetMemberships(me, tenantCode).filter((m) => m.department_id)
  return union(listed, ...departmentRoles.map((m) => ROLE_CASE_PERMISSIONS[m.role]))
}

/**
 * Permissions at one case: those at its place (GET …/nodes/{id}, null when
 * the caller may not read the place) plus those of department roles in the
 * department it is dispatched to.
 */
export function casePermissions(
  me: Me | null | undefined,
  tenantCode: string,
  atPlace: PermissionList,
  departmentId: number | undefined,
): string[] {
  const inDepartment = departmentId
    ? streetMemberships(me, tenantCode).filter((m) => m.department_id === departmentId)
    : []
  return union(atPlace, ...inDepartment.map((m) => ROLE_CASE_PERMISSIONS[m.role]))
}

/**
 * Whether the caller's roles read cases somewhere in the street, for the
 * header's link (the pages themselves check the server's lists).
 */
export function mayReadCases(me: Me | null | undefined, tenantCode: string): boolean {
  if (!me) return false
  // A county-wide reader, or an API key of this street.
  if (me.county_wide) return me.credential === 'api_key' || (me.memberships ?? []).some((m) => !m.tenant_code && ROLE_CASE_PERMISSIONS[m.role].includes('case:read'))
  if (me.credential === 'api_key') return me.tenant?.code === tenantCode
  return streetMemberships(me, tenantCode).some((m) => ROLE_CASE_PERMISSIONS[m.role].includes('case:read'))
}

/** Where the caller reports from: grid workers and community staff report from the grid (网格上报); the centre takes visits. */
export function defaultChannel(me: Me | null | undefined, tenantCode: string): CaseChannel {
  const roles = new Set(streetMemberships(me, tenantCode).map((m) => m.role))
  return roles.has('grid_worker') || roles.has('community_staff') ? 'grid_report' : 'visit'
}

// --- inbox tabs -------------------------------------------------------------

export type InboxTabKey = 'reported' | 'resolved' | 'overdue' | 'dispatched' | 'accepted' | 'area_reported' | 'area_all' | 'all'

export interface InboxTab {
  key: InboxTabKey
  /** What the tab fixes in the list; the user's filters fill in the rest. */
  filter: CaseFilter
  /** The order the tab opens with (newest first unless said): work with deadlines goes by the nearest one. */
  sort?: CaseSort
  /** The badge, from case-inbox; null when the counts cover more than the tab would list. */
  count: (inbox: CaseInbox) => number | null
}

/** How the caller works in a street, as far as the inbox is concerned. */
export interface InboxRoles {
  /** The governance centre: dispatches and confirms street-wide (street admin, dispatcher, county admin, API keys). */
  centre: boolean
  /** Reads the whole street without working it (county viewer). */
  streetReader: boolean
  /** Departments whose cases the caller handles. */
  departmentIds: number[]
  /** Nodes where the caller reports and follows up (grid worker, community staff). */
  areaNodeIds: number[]
}

export function inboxRoles(me: Me | null | undefined, tenantCode: string, streetWide: PermissionList): InboxRoles {
  const ms = streetMemberships(me, tenantCode)
  return {
    centre: can(streetWide, 'case:dispatch') || can(streetWide, 'case:confirm'),
    streetReader: can(streetWide, 'case:read'),
    departmentIds: [
      ...new Set(ms.flatMap((m) => (m.department_id && ROLE_CASE_PERMISSIONS[m.role].includes('case:handle') ? [m.department_id] : []))),
    ],
    areaNodeIds: [
      ...new Set(ms.flatMap((m) => ((m.role === 'grid_worker' || m.role === 'community_staff') && m.node_id ? [m.node_id] : []))),
    ],
  }
}

const byStatus = (inbox: CaseInbox, status: CaseStatus) => inbox.by_status?.[status] ?? 0

/**
 * The inbox tabs for the caller's roles in a street, centre first, then the
 * department's, then the area's, and "all" last. A badge is shown only
 * where the counts (which cover everything the caller sees) match the tab.
 */
export function inboxTabs(r: InboxRoles): InboxTab[] {
  const groups = [r.centre || r.streetReader, r.departmentIds.length > 0, r.areaNodeIds.length > 0].filter(Boolean).length
  // The street-wide readers see everything: their counts are exact. Others' counts are exact when they work one way only.
  const exact = r.centre || r.streetReader || groups === 1
  const counted = (n: (inbox: CaseInbox) => number) => (inbox: CaseInbox) => (exact ? n(inbox) : null)
  const tabs: InboxTab[] = []
  if (r.centre) {
    tabs.push({ key: 'reported', filter: { status: 'reported' }, count: (i) => byStatus(i, 'reported') })
    tabs.push({ key: 'resolved', filter: { status: 'resolved' }, count: (i) => byStatus(i, 'resolved') })
  }
  if (r.centre || r.streetReader) tabs.push({ key: 'overdue', filter: { overdue: true }, sort: 'due_soon', count: (i) => i.overdue })
  if (r.departmentIds.length) {
    const department_id = r.departmentIds.length === 1 ? r.departmentIds[0] : undefined
    tabs.push({ key: 'dispatched', filter: { status: 'dispatched', department_id }, sort: 'due_soon', count: counted((i) => byStatus(i, 'dispatched')) })
    tabs.push({ key: 'accepted', filter: { status: 'accepted', department_id }, sort: 'due_soon', count: counted((i) => byStatus(i, 'accepted')) })
  }
  if (r.areaNodeIds.length && !r.centre) {
    const node_id = r.areaNodeIds.length === 1 ? r.areaNodeIds[0] : undefined
    tabs.push({ key: 'area_reported', filter: { status: 'reported', node_id }, count: counted((i) => byStatus(i, 'reported')) })
    // Only someone who also sees a department's cases sees more than the area: otherwise "all" is the area.
    if (node_id && r.departmentIds.length) tabs.push({ key: 'area_all', filter: { node_id }, count: counted((i) => sumCounts(i)) })
  }
  tabs.push({ key: 'all', filter: {}, count: (i) => sumCounts(i) })
  return tabs
}

export function sumCounts(inbox: CaseInbox): number {
  return Object.values(inbox.by_status ?? {}).reduce((a, b) => a + b, 0)
}

/** The list query of a tab with the user's filters and order: the tab's own filter values win. */
export function tabQuery(tab: InboxTab, filters: CaseFilter): CaseFilter {
  const out: CaseFilter = { ...filters, sort: filters.sort ?? tab.sort }
  for (const [k, v] of Object.entries(tab.filter)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

// --- deadlines --------------------------------------------------------------

export interface DeadlineHours {
  accept_hours: number
  complete_hours: number
}

/**
 * The built-in deadlines per grade (cases.defaultDeadlines on the server):
 * what the dispatch form shows until the street's own (get-deadlines)
 * arrives, or if it cannot be read.
 */
export const DEFAULT_DEADLINES: Readonly<Record<CaseGrade, DeadlineHours>> = {
  general: { accept_hours: 24, complete_hours: 168 },
  major: { accept_hours: 12, complete_hours: 72 },
  serious: { accept_hours: 4, complete_hours: 48 },
  urgent: { accept_hours: 1, complete_hours: 24 },
}

export interface DispatchPrefill {
  departmentId: number | undefined
  /** The department comes from a dispatch rule. */
  suggested: boolean
  leaderName: string
  acceptDue: Date
  completeDue: Date
}

const HOUR = 3600_000

/**
 * What the dispatch form starts with: the rule's department and leader (or
 * the leader already named, on a re-dispatch), and both deadlines counted
 * from now by the policy for the case's category and grade.
 */
export function dispatchPrefill(
  c: Pick<Case, 'grade' | 'leader_name'>,
  suggestion: DispatchSuggestion | null,
  now: Date,
  hours: DeadlineHours = DEFAULT_DEADLINES[c.grade],
  rules: readonly Pick<DispatchRule, 'id' | 'leader_name'>[] = [],
): DispatchPrefill {
  const suggested = !!suggestion?.found && !!suggestion.department_id
  // The rule's leader answers for its cases; a re-dispatch otherwise keeps the leader named before.
  const ruleLeader = suggested ? rules.find((r) => r.id === suggestion!.rule_id)?.leader_name : undefined
  return {
    departmentId: suggested ? suggestion!.department_id : undefined,
    suggested,
    leaderName: ruleLeader || c.leader_name || '',
    acceptDue: new Date(now.getTime() + hours.accept_hours * HOUR),
    completeDue: new Date(now.getTime() + hours.complete_hours * HOUR),
  }
}

/** "24 小时" / "7 天": whole days read better than 168 hours. */
export function hoursParts(hours: number): { n: number; unit: 'hours' | 'days' } {
  return hours >= 24 && hours % 24 === 0 ? { n: hours / 24, unit: 'days' } : { n: hours, unit: 'hours' }
}

export type DueState = 'none' | 'pending' | 'soon' | 'overdue' | 'met' | 'late'

/** Less than this share of a window left counts as "soon". */
const SOON_SHARE = 0.2

/**
 * How a deadline stands: none set; pending or soon (less than a fifth of the
 * window left) or overdue while the step is not done; met or late once done.
 */
export function dueState(due: string | undefined, doneAt: string | undefined, now: Date, windowStart?: string): DueState {
  if (!due) return 'none'
  const dueMs = new Date(due).getTime()
  if (doneAt) return new Date(doneAt).getTime() <= dueMs ? 'met' : 'late'
  if (now.getTime() > dueMs) return 'overdue'
  const start = windowStart ? new Date(windowStart).getTime() : NaN
  const span = dueMs - start
  if (span > 0 && dueMs - now.getTime() < span * SOON_SHARE) return 'soon'
  return 'pending'
}

/** Open work: the case is with a department (the server's overdue rule counts only these). */
const WITH_DEPARTMENT: ReadonlySet<CaseStatus> = new Set<CaseStatus>(['dispatched', 'accepted'])

/** The acceptance and completion deadlines of a case, as the server counts them overdue. */
export function caseDues(
  c: Pick<Case, 'status' | 'accept_due' | 'complete_due' | 'accepted_at' | 'resolved_at' | 'dispatched_at'>,
  now: Date,
): { accept: DueState; complete: DueState } {
  const open = WITH_DEPARTMENT.has(c.status)
  // Accepted means the acceptance window is done; a case past the department means both are.
  const acceptDone = c.status === 'dispatched' ? undefined : (c.accepted_at ?? c.resolved_at)
  const completeDone = open ? undefined : c.resolved_at
  const state = (due: string | undefined, done: string | undefined): DueState => {
    const s = dueState(due, done, now, c.dispatched_at)
    // Not with a department and not done (returned, cancelled): the deadline no longer runs.
    return !open && !done && s !== 'none' ? 'none' : s
  }
  return { accept: state(c.accept_due, acceptDone), complete: state(c.complete_due, completeDone) }
}

/** A ledger item's deadlines: the acceptance one runs until accepted, the completion one until resolved (when it leaves the ledger). */
export function ledgerDues(it: Pick<LedgerItem, 'status' | 'accept_due' | 'complete_due'>, now: Date): { accept: DueState; complete: DueState } {
  return {
    accept: it.status === 'dispatched' ? dueState(it.accept_due, undefined, now) : 'none',
    complete: dueState(it.complete_due, undefined, now),
  }
}

export function isOverdue(c: Parameters<typeof caseDues>[0], now: Date): boolean {
  const d = caseDues(c, now)
  return d.accept === 'overdue' || d.complete === 'overdue'
}

// --- how things read --------------------------------------------------------

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

/** 一般 grey, 较大 orange, 重大 red, 紧急 solid red. */
export const GRADE_TAG: Readonly<Record<CaseGrade, { type: TagType; effect: 'light' | 'dark' | 'plain' }>> = {
  general: { type: 'info', effect: 'plain' },
  major: { type: 'warning', effect: 'light' },
  serious: { type: 'danger', effect: 'light' },
  urgent: { type: 'danger', effect: 'dark' },
}

export const STATUS_TAG: Readonly<Record<CaseStatus, TagType>> = {
  reported: 'warning',
  dispatched: 'primary',
  accepted: 'primary',
  resolved: 'success',
  confirmed: 'success',
  closed: 'info',
  cancelled: 'info',
  merged: 'info',
}

/** A phone number the server masked (138****8000): the caller may not see it whole. */
export function isMaskedPhone(phone: string | undefined): boolean {
  return !!phone && phone.includes('*')
}

/** el-timeline colours: the loop moving on, going back, or being supervised. */
export function eventType(action: string): TagType {
  switch (action) {
    case 'resolve':
    case 'self_resolve':
    case 'confirm':
    case 'close':
      return 'success'
    case 'return':
    case 'reopen':
      return 'warning'
    case 'supervise':
    case 'cancel':
      return 'danger'
    case 'attach':
    case 'absorb':
    case 'merge':
      return 'info'
    default:
      return 'primary'
  }
}

/** The steps a 409 names as allowed now ("…; allowed now: dispatch, accept"), for a translated message. */
export function allowedFromConflict(detail: string | undefined): CaseAction[] {
  const m = /allowed now:\s*([a-z_,\s]+)$/.exec(detail ?? '')
  if (!m) return []
  return m[1]
    .split(',')
    .map((s) => s.trim())
    .filter(isCaseAction)
}

/** A failed step as the page shows it: what went wrong for 403 and 409, with the server's own words kept. */
export function stepProblem(e: unknown, t: (key: string, values?: Record<string, unknown>) => string): Problem {
  const p = toProblem(e)
  if (!(e instanceof ApiError)) return p
  if (e.status === 409) {
    const allowed = allowedFromConflict(p.detail)
    const names = allowed.map((a) => t(`cases.actions.${a}`)).join(t('common.listSeparator'))
    return { ...p, title: allowed.length ? t('cases.conflictAllowed', { steps: names }) : t('cases.conflictNone') }
  }
  if (e.status === 403) return { ...p, title: t('cases.forbidden') }
  return p
}

// --- ledger -----------------------------------------------------------------

export interface LedgerLeader {
  leader: string
  items: LedgerItem[]
  overdue: number
}

export interface LedgerGroup {
  departmentId: number
  leaders: LedgerLeader[]
  total: number
  overdue: number
}

/** The struck-off ledger per department, then per responsible leader, in the server's order (soonest due first). */
export function ledgerGroups(items: readonly LedgerItem[], overdueOnly: boolean): LedgerGroup[] {
  const groups: LedgerGroup[] = []
  for (const it of items) {
    if (overdueOnly && !it.overdue) continue
    let g = groups.find((x) => x.departmentId === it.department_id)
    if (!g) groups.push((g = { departmentId: it.department_id, leaders: [], total: 0, overdue: 0 }))
    let l = g.leaders.find((x) => x.leader === it.leader_name)
    if (!l) g.leaders.push((l = { leader: it.leader_name, items: [], overdue: 0 }))
    l.items.push(it)
    g.total++
    if (it.overdue) {
      l.overdue++
      g.overdue++
    }
  }
  return groups
}

// --- photos -----------------------------------------------------------------

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024
export const MAX_PHOTOS = 9

/** Why a photo cannot be uploaded, before trying: its type or size; null when it may go. */
export function photoProblem(file: Pick<File, 'type' | 'size'>): 'type' | 'size' | null {
  if (!(PHOTO_TYPES as readonly string[]).includes(file.type)) return 'type'
  if (file.size > MAX_PHOTO_BYTES) return 'size'
  return null
}

// --- summons (吹哨报到) -------------------------------------------------------

export const SUMMON_HOURS = { min: 1, max: 168, default: 2 } as const

/** Departments with a summons still waiting for their check-in: summoning them again would be refused. */
export function openSummonedDepartments(summons: readonly Pick<Summons, 'department_id' | 'checked_in_at'>[]): Set<number> {
  return new Set(summons.filter((s) => !s.checked_in_at).map((s) => s.department_id))
}

/** Departments in which the caller handles cases (case:handle by a department role there). */
export function handlingDepartmentIds(me: Me | null | undefined, tenantCode: string): number[] {
  return [
    ...new Set(
      streetMemberships(me, tenantCode).flatMap((m) =>
        m.department_id && ROLE_CASE_PERMISSIONS[m.role].includes('case:handle') ? [m.department_id] : [],
      ),
    ),
  ]
}

/** The summonses the caller may check in to: open ones of the departments they handle cases in. */
export function checkInSummonses<S extends Pick<Summons, 'department_id' | 'checked_in_at'>>(
  me: Me | null | undefined,
  tenantCode: string,
  summons: readonly S[],
): S[] {
  const mine = new Set(handlingDepartmentIds(me, tenantCode))
  return summons.filter((s) => !s.checked_in_at && mine.has(s.department_id))
}

export type SummonState = 'checked_in' | 'checked_in_late' | 'waiting' | 'overdue'

/** How a summons stands: checked in (in time or late), or waiting (still in time or past due_at). */
export function summonState(s: Pick<Summons, 'checked_in_at' | 'due_at' | 'late'>, now: Date): SummonState {
  if (s.checked_in_at) return s.late ? 'checked_in_late' : 'checked_in'
  return s.late || now.getTime() > new Date(s.due_at).getTime() ? 'overdue' : 'waiting'
}

/** The lifecycle steps among what the server says the caller may do now (get-case's my_actions), in loop order. */
export function myCaseActions(myActions: readonly string[] | null | undefined): CaseAction[] {
  const mine = new Set(myActions ?? [])
  return CASE_ACTIONS.filter((a) => mine.has(a))
}

/**
 * The summonses to offer 报到 for when the server lists check_in among the
 * caller's actions: the open ones of the caller's departments, or, for
 * someone who handles every department's cases (a street admin), every open one.
 */
export function myCheckInSummonses<S extends Pick<Summons, 'department_id' | 'checked_in_at'>>(
  me: Me | null | undefined,
  tenantCode: string,
  c: { my_actions: readonly string[]; summons: readonly S[] },
): S[] {
  if (!c.my_actions.includes('check_in')) return []
  const mine = checkInSummonses(me, tenantCode, c.summons)
  return mine.length ? mine : c.summons.filter((s) => !s.checked_in_at)
}

import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/api/client'
import type { Case, CaseInbox, LedgerItem, Me } from '../src/api/types'
import {
  DEFAULT_DEADLINES,
  NOTE_REQUIRED,
  allowedFromConflict,
  caseDues,
  casePermissions,
  defaultChannel,
  dispatchPrefill,
  dueState,
  hoursParts,
  inboxRoles,
  inboxTabs,
  isMaskedPhone,
  isOverdue,
  ledgerDues,
  ledgerGroups,
  mayReadCases,
  myCaseActions,
  myCheckInSummonses,
  photoProblem,
  stepProblem,
  streetCasePermissions,
  tabQuery,
} from '../src/cases'
import { i18n } from '../src/i18n'

const county = { id: 1, code: '371326', name: '平邑县' }
const STREET = '371326001'

const person = (memberships: Me['memberships']): Me => ({
  credential: 'session',
  name: '测试',
  county,
  county_wide: false,
  memberships,
  streets: [STREET],
})

const dispatcher = person([{ id: 2, role: 'dispatcher', tenant_code: STREET, node_id: 1 }])
const police = person([{ id: 3, role: 'department_staff', tenant_code: STREET, node_id: 1, department_id: 2 }])
const gridWorker = person([{ id: 5, role: 'grid_worker', tenant_code: STREET, node_id: 62 }])
const mediator = person([{ id: 6, role: 'mediator', tenant_code: STREET, node_id: 1 }])
const countyViewer: Me = { ...person([{ id: 9, role: 'county_viewer' }]), county_wide: true, streets: [STREET, '371326101'] }

// What the server lists street-wide for these people (GET /tenants/{t}).
const DISPATCHER_STREET = ['tenant:read', 'node:read', 'department:read', 'category:read', 'staff:read', 'case:read', 'case:write', 'case:dispatch', 'case:confirm', 'case:summon']
const GRID_NODE = ['tenant:read', 'node:read', 'category:read', 'case:read', 'case:write']

const inbox: CaseInbox = { by_status: { reported: 14, dispatched: 7, accepted: 4, resolved: 20, closed: 196 }, overdue: 42 }

const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {})

describe('which steps a user sees', () => {

  it('offers the steps the server lists as the caller’s (my_actions), in loop order, without summon or check-in', () => {
    expect(myCaseActions(['cancel', 'summon', 'merge', 'self_resolve', 'dispatch'])).toEqual(['dispatch', 'self_resolve', 'merge', 'cancel'])
    expect(myCaseActions(['check_in'])).toEqual([])
    expect(myCaseActions(null)).toEqual([])
  })

  it('ignores steps it does not know', () => {
    expect(myCaseActions(['dispatch', 'teleport'])).toEqual(['dispatch'])
  })

  it('offers 报到 only when the server lists check_in, for the caller’s departments first', () => {
    const summons = [
      { id: 1, department_id: 3 },
      { id: 2, department_id: 2 },
      { id: 3, department_id: 2, checked_in_at: '2026-11-22T06:00:00Z' },
    ]
    expect(myCheckInSummonses(police, STREET, { my_actions: ['check_in'], summons }).map((s) => s.id)).toEqual([2])
    expect(myCheckInSummonses(police, STREET, { my_actions: [], summons })).toEqual([])
    // Someone the server lets check in without a department role (a street admin): every open one.
    expect(myCheckInSummonses(null, STREET, { my_actions: ['check_in'], summons }).map((s) => s.id)).toEqual([1, 2])
  })

  it('requires a note exactly where the server does', () => {
    expect([...NOTE_REQUIRED].sort()).toEqual(['cancel', 'close', 'reopen', 'resolve', 'return', 'self_resolve'])
  })
})

describe('permissions at a case', () => {
  it('gives department staff handling only in their own department', () => {
    expect(casePermissions(police, STREET, null, 2)).toEqual(['case:handle', 'case:read', 'case:write'])
    expect(casePermissions(police, STREET, null, 5)).toEqual([])
    expect(casePermissions(police, STREET, null, undefined)).toEqual([])
  })

  it('takes the place’s permissions as the server lists them', () => {
    expect(casePermissions(gridWorker, STREET, GRID_NODE, 2)).toEqual(GRID_NODE.slice().sort())
  })

  it('counts department roles street-wide, which the server lists nowhere', () => {
    expect(streetCasePermissions(police, STREET, [])).toEqual(['case:handle', 'case:read', 'case:write'])
    expect(streetCasePermissions(police, '371326101', [])).toEqual([])
    expect(streetCasePermissions(gridWorker, STREET, GRID_NODE)).toEqual(GRID_NODE.slice().sort())
  })

  it('links the header to cases for the roles that read them', () => {
    expect(mayReadCases(gridWorker, STREET)).toBe(true)
    expect(mayReadCases(police, STREET)).toBe(true)
    expect(mayReadCases(gridWorker, '371326101')).toBe(false)
    expect(mayReadCases(countyViewer, '371326101')).toBe(true)
    expect(mayReadCases({ ...countyViewer, memberships: [{ id: 9, role: 'judge' }] }, STREET)).toBe(false)
    expect(mayReadCases(null, STREET)).toBe(false)
  })

  it('reports from the grid for grid workers, as a visit for the centre', () => {
    expect(defaultChannel(gridWorker, STREET)).toBe('grid_report')
    expect(defaultChannel(dispatcher, STREET)).toBe('visit')
  })
})

describe('inbox tabs per role', () => {
  const tabsFor = (me: Me, streetWide: string[]) => inboxTabs(inboxRoles(me, STREET, streetWide))
  const keys = (me: Me, streetWide: string[]) => tabsFor(me, streetWide).map((x) => x.key)

  it('gives the centre its manual queue, the results to confirm, the overdue and all', () => {
    const tabs = tabsFor(dispatcher, DISPATCHER_STREET)
    expect(tabs.map((x) => x.key)).toEqual(['reported', 'resolved', 'overdue', 'all'])
    expect(tabs.map((x) => x.filter)).toEqual([{ status: 'reported' }, { status: 'resolved' }, { overdue: true }, {}])
    expect(tabs.map((x) => x.count(inbox))).toEqual([14, 20, 42, 241])
  })

  it('gives a department what waits for acceptance and what it has in hand, its own only, nearest deadline first', () => {
    const tabs = tabsFor(police, [])
    expect(tabs.map((x) => x.key)).toEqual(['dispatched', 'accepted', 'all'])
    expect(tabs[0].filter).toEqual({ status: 'dispatched', department_id: 2 })
    expect(tabs[1].filter).toEqual({ status: 'accepted', department_id: 2 })
    expect(tabs[0].sort).toBe('due_soon')
    expect(tabs.map((x) => x.count(inbox))).toEqual([7, 4, 241])
  })

  it('gives a grid worker the open cases of the grid and all it sees, which is the grid', () => {
    const tabs = tabsFor(gridWorker, [])
    expect(tabs.map((x) => x.key)).toEqual(['area_reported', 'all'])
    expect(tabs[0].filter).toEqual({ status: 'reported', node_id: 62 })
    expect(tabs.map((x) => x.count(inbox))).toEqual([14, 241])
  })

  it('gives readers of the whole street the overdue and all, and a mediator all', () => {
    expect(keys(countyViewer, ['case:read'])).toEqual(['overdue', 'all'])
    expect(keys(mediator, ['case:read'])).toEqual(['overdue', 'all'])
    expect(keys(person([]), [])).toEqual(['all'])
  })

  it('shows no badge where the counts cover more than the tab', () => {
    const both = person([...police.memberships!, ...gridWorker.memberships!])
    const tabs = tabsFor(both, [])
    expect(tabs.map((x) => x.key)).toEqual(['dispatched', 'accepted', 'area_reported', 'area_all', 'all'])
    expect(tabs[3].filter).toEqual({ node_id: 62 })
    expect(tabs.map((x) => x.count(inbox))).toEqual([null, null, null, null, 241])
  })

  it('leaves the department out of the filter when the user works in two', () => {
    const two = person([...police.memberships!, { id: 7, role: 'department_staff', tenant_code: STREET, node_id: 1, department_id: 3 }])
    expect(tabsFor(two, [])[0].filter).toEqual({ status: 'dispatched', department_id: undefined })
  })

  it('lets the tab’s own filter win over the user’s, and the user’s order over the tab’s', () => {
    const [dispatched] = tabsFor(police, [])
    expect(tabQuery(dispatched, { status: 'closed', grade: 'urgent' })).toEqual({ status: 'dispatched', department_id: 2, grade: 'urgent', sort: 'due_soon' })
    expect(tabQuery(dispatched, { sort: 'newest' }).sort).toBe('newest')
    expect(tabQuery(tabsFor(dispatcher, DISPATCHER_STREET)[3], { department_id: 4 })).toEqual({ department_id: 4, sort: undefined })
  })
})

describe('the dispatch dialog’s prefill', () => {
  const now = new Date('2026-11-22T06:00:00Z')
  const hoursAfter = (d: Date) => (d.getTime() - now.getTime()) / 3600_000

  it('preselects the rule’s department and leader and counts the policy’s windows from now', () => {
    const p = dispatchPrefill({ grade: 'major' }, { found: true, department_id: 2, rule_id: 8 }, now, { accept_hours: 6, complete_hours: 48 }, [
      { id: 7, leader_name: '别的主任' },
      { id: 8, leader_name: '王主任' },
    ])
    expect(p).toMatchObject({ departmentId: 2, suggested: true, leaderName: '王主任' })
    expect(hoursAfter(p.acceptDue)).toBe(6)
    expect(hoursAfter(p.completeDue)).toBe(48)
  })

  it('leaves the department to the dispatcher when no rule matches, with the built-in deadlines of the grade', () => {
    const p = dispatchPrefill({ grade: 'urgent' }, { found: false }, now)
    expect(p.departmentId).toBeUndefined()
    expect(p.suggested).toBe(false)
    expect(p.leaderName).toBe('')
    expect(hoursAfter(p.acceptDue)).toBe(DEFAULT_DEADLINES.urgent.accept_hours)
    expect(hoursAfter(p.completeDue)).toBe(24)
  })

  it('keeps the leader named before on a re-dispatch, unless the rule names one', () => {
    expect(dispatchPrefill({ grade: 'general', leader_name: '李主任' }, null, now).leaderName).toBe('李主任')
    expect(dispatchPrefill({ grade: 'general', leader_name: '李主任' }, { found: true, department_id: 2, rule_id: 1 }, now).leaderName).toBe('李主任')
  })

  it('mirrors the server’s built-in deadlines, and reads whole days as days', () => {
    expect(DEFAULT_DEADLINES).toEqual({
      general: { accept_hours: 24, complete_hours: 168 },
      major: { accept_hours: 12, complete_hours: 72 },
      serious: { accept_hours: 4, complete_hours: 48 },
      urgent: { accept_hours: 1, complete_hours: 24 },
    })
    expect(hoursParts(168)).toEqual({ n: 7, unit: 'days' })
    expect(hoursParts(12)).toEqual({ n: 12, unit: 'hours' })
    expect(hoursParts(36)).toEqual({ n: 36, unit: 'hours' })
  })
})

describe('deadlines', () => {
  const now = new Date('2026-11-22T12:00:00Z')
  const base: Pick<Case, 'status' | 'accept_due' | 'complete_due' | 'accepted_at' | 'resolved_at' | 'dispatched_at'> = {
    status: 'dispatched',
    dispatched_at: '2026-11-22T00:00:00Z',
    accept_due: '2026-11-22T10:00:00Z',
    complete_due: '2026-11-25T00:00:00Z',
  }

  it('marks an acceptance window overdue while the department has not accepted', () => {
    expect(caseDues(base, now)).toEqual({ accept: 'overdue', complete: 'pending' })
    expect(isOverdue(base, now)).toBe(true)
  })

  it('marks a window met or late once its step is done', () => {
    const accepted = { ...base, status: 'accepted' as const, accepted_at: '2026-11-22T11:00:00Z' }
    expect(caseDues(accepted, now)).toEqual({ accept: 'late', complete: 'pending' })
    expect(isOverdue(accepted, now)).toBe(false)
    const resolved = { ...accepted, status: 'resolved' as const, accepted_at: '2026-11-22T09:00:00Z', resolved_at: '2026-11-23T00:00:00Z' }
    expect(caseDues(resolved, new Date('2026-11-30T00:00:00Z'))).toEqual({ accept: 'met', complete: 'met' })
  })

  it('stops the clock of a case no longer with a department', () => {
    expect(caseDues({ ...base, status: 'cancelled' }, now)).toEqual({ accept: 'none', complete: 'none' })
    expect(caseDues({ status: 'reported' }, now)).toEqual({ accept: 'none', complete: 'none' })
  })

  it('warns when less than a fifth of the window is left', () => {
    expect(dueState('2026-11-22T13:00:00Z', undefined, now, '2026-11-22T00:00:00Z')).toBe('soon')
    expect(dueState('2026-11-23T00:00:00Z', undefined, now, '2026-11-22T00:00:00Z')).toBe('pending')
    expect(dueState(undefined, undefined, now)).toBe('none')
  })

  it('reads a ledger item’s acceptance window only while it waits for acceptance', () => {
    const item = { status: 'accepted' as const, accept_due: '2026-11-22T10:00:00Z', complete_due: '2026-11-22T11:00:00Z' }
    expect(ledgerDues(item, now)).toEqual({ accept: 'none', complete: 'overdue' })
    expect(ledgerDues({ ...item, status: 'dispatched' }, now).accept).toBe('overdue')
  })
})

describe('the struck-off ledger', () => {
  const item = (case_id: number, department_id: number, leader_name: string, overdue: boolean): LedgerItem => ({
    case_id,
    tracking_code: `CODE-${case_id}`,
    title: `案件${case_id}`,
    grade: 'general',
    status: 'dispatched',
    department_id,
    department_name: `部门${department_id}`,
    leader_name,
    overdue,
  })
  const items = [item(1, 2, '王主任', true), item(2, 2, '王主任', false), item(3, 2, '李主任', false), item(4, 5, '赵所长', true)]

  it('groups by department, then leader, in the server’s order, counting what is overdue', () => {
    const groups = ledgerGroups(items, false)
    expect(groups.map((g) => [g.departmentId, g.total, g.overdue])).toEqual([
      [2, 3, 1],
      [5, 1, 1],
    ])
    expect(groups[0].leaders.map((l) => [l.leader, l.items.map((i) => i.case_id), l.overdue])).toEqual([
      ['王主任', [1, 2], 1],
      ['李主任', [3], 0],
    ])
  })

  it('keeps only overdue items, and drops what is left empty, when asked', () => {
    const groups = ledgerGroups(items, true)
    expect(groups.map((g) => g.leaders.map((l) => [l.leader, l.items.map((i) => i.case_id)]))).toEqual([[['王主任', [1]]], [['赵所长', [4]]]])
  })
})

describe('what the pages show', () => {
  it('tells a masked phone number from a whole one', () => {
    expect(isMaskedPhone('138****5678')).toBe(true)
    expect(isMaskedPhone('13812345678')).toBe(false)
    expect(isMaskedPhone('')).toBe(false)
    expect(isMaskedPhone(undefined)).toBe(false)
  })

  it('reads the steps a 409 allows and says them in Chinese, keeping the server’s words', () => {
    const detail = 'a dispatched case cannot be resolved; allowed now: dispatch, accept, return, merge, cancel'
    expect(allowedFromConflict(detail)).toEqual(['dispatch', 'accept', 'return', 'merge', 'cancel'])
    const conflict = stepProblem(new ApiError(409, { title: 'Conflict', status: 409, detail }), t)
    expect(conflict.title).toBe('案件状态已变化，当前只能：分拨、受理、退回、合并、撤销')
    expect(conflict.detail).toBe(detail)

    const ended = 'a closed case cannot be accepted; nothing more can be done to it'
    expect(allowedFromConflict(ended)).toEqual([])
    expect(stepProblem(new ApiError(409, { title: 'Conflict', status: 409, detail: ended }), t).title).toBe('案件状态已变化，当前不能再办理')
  })

  it('says a 403 is the role’s, and leaves other problems as they are', () => {
    const forbidden = stepProblem(new ApiError(403, { title: 'Forbidden', status: 403, detail: 'your role does not allow case:handle here' }), t)
    expect(forbidden.title).toBe('您的岗位无权执行此操作')
    const invalid = { title: 'Unprocessable Entity', status: 422, detail: 'resolve needs a note (the result)' }
    expect(stepProblem(new ApiError(422, invalid), t)).toEqual(invalid)
  })

  it('refuses photos of the wrong type or size before uploading', () => {
    expect(photoProblem({ type: 'image/jpeg', size: 1024 })).toBeNull()
    expect(photoProblem({ type: 'image/webp', size: 10 * 1024 * 1024 })).toBeNull()
    expect(photoProblem({ type: 'image/gif', size: 1024 })).toBe('type')
    expect(photoProblem({ type: 'image/png', size: 10 * 1024 * 1024 + 1 })).toBe('size')
  })
})

// 吹哨报到 and notifications as plain logic: who may summon and check in,
// how a summons stands, how the bell counts.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../src/api'
import type { Me, Notification, Summons } from '../src/api/types'
import { checkInSummonses, handlingDepartmentIds, openSummonedDepartments, summonState } from '../src/cases'
import { BELL_LIMIT, NOTIFICATION_TAG, badgeText, markAllRead, markRead, mayNotify, notices, refreshNotices } from '../src/notifications'

const county = { id: 1, code: '371326', name: '平邑县' }
const STREET = '371326001'
const me = (memberships: Me['memberships'], credential: Me['credential'] = 'session'): Me => ({
  credential,
  name: '测试',
  county,
  county_wide: false,
  memberships,
  streets: [STREET],
})
const police = me([{ id: 5, role: 'department_staff', tenant_code: STREET, department_id: 2 }])

const summons = (s: Partial<Summons>): Summons => ({
  id: 1,
  department_id: 2,
  department_name: '派出所',
  summoned_by: '陈静',
  due_at: '2026-11-22T08:00:00Z',
  created_at: '2026-11-22T06:00:00Z',
  late: false,
  ...s,
})

afterEach(() => vi.restoreAllMocks())

describe('summons', () => {
  it('lets a department check in only to its own open summonses', () => {
    const list = [
      summons({ id: 1, department_id: 2 }),
      summons({ id: 2, department_id: 3 }),
      summons({ id: 3, department_id: 2, checked_in_at: '2026-11-22T06:30:00Z' }),
    ]
    expect(checkInSummonses(police, STREET, list).map((s) => s.id)).toEqual([1])
    // Another street's department, a community worker and an API key check in nowhere.
    expect(checkInSummonses(police, '371326002', list)).toEqual([])
    expect(checkInSummonses(me([{ id: 7, role: 'community_staff', tenant_code: STREET, node_id: 2 }]), STREET, list)).toEqual([])
    expect(checkInSummonses(me([], 'api_key'), STREET, list)).toEqual([])
    expect(handlingDepartmentIds(police, STREET)).toEqual([2])
  })

  it('keeps departments still due to check in out of a second summons', () => {
    const waiting = openSummonedDepartments([summons({ department_id: 2 }), summons({ department_id: 3, checked_in_at: '2026-11-22T06:30:00Z' })])
    expect([...waiting]).toEqual([2])
  })

  it('reads a summons as checked in, late, waiting or overdue', () => {
    const now = new Date('2026-11-22T07:00:00Z')
    expect(summonState(summons({ checked_in_at: '2026-11-22T06:30:00Z' }), now)).toBe('checked_in')
    expect(summonState(summons({ checked_in_at: '2026-11-22T09:00:00Z', late: true }), now)).toBe('checked_in_late')
    expect(summonState(summons({}), now)).toBe('waiting')
    expect(summonState(summons({}), new Date('2026-11-22T08:00:01Z'))).toBe('overdue')
    // The server's word counts even before the clock here gets there.
    expect(summonState(summons({ late: true }), now)).toBe('overdue')
  })
})

const notice = (n: Partial<Notification>): Notification => ({
  id: 1,
  audience: 'department',
  kind: 'assignment',
  title: '新交办：楼道堆放杂物',
  created_at: '2026-11-22T06:00:00Z',
  case_id: 42,
  ...n,
})

describe('notifications', () => {
  it('are for signed-in staff only', () => {
    expect(mayNotify(police)).toBe(true)
    expect(mayNotify(me([], 'api_key'))).toBe(false)
    expect(mayNotify(null)).toBe(false)
  })

  it('count on the badge up to 99+', () => {
    expect(badgeText(0)).toBe('')
    expect(badgeText(7)).toBe('7')
    expect(badgeText(100)).toBe('99+')
  })

  it('tag 紧急 red and 督办 orange', () => {
    expect(NOTIFICATION_TAG.urgent.type).toBe('danger')
    expect(NOTIFICATION_TAG.escalation.type).toBe('warning')
  })

  it('refresh the bell per street and count down as they are read', async () => {
    const list = vi
      .spyOn(api, 'listNotifications')
      .mockResolvedValue({ items: [notice({ id: 1 }), notice({ id: 2, kind: 'urgent' })], unread: 5 })
    const read = vi.spyOn(api, 'readNotification').mockResolvedValue({})
    await refreshNotices(STREET)
    expect(list).toHaveBeenCalledWith(STREET, { limit: BELL_LIMIT })
    expect(notices.unread).toBe(5)
    await markRead(STREET, notices.latest[0])
    expect(read).toHaveBeenCalledWith(STREET, 1)
    expect(notices.unread).toBe(4)
    expect(notices.latest[0].read_at).toBeTruthy()
    // Reading it again asks nothing and counts nothing.
    await markRead(STREET, notices.latest[0])
    expect(read).toHaveBeenCalledTimes(1)
    expect(notices.unread).toBe(4)

    const all = vi.spyOn(api, 'readAllNotifications').mockResolvedValue({})
    await markAllRead(STREET)
    expect(all).toHaveBeenCalledWith(STREET)
    expect(notices.unread).toBe(0)
    expect(notices.latest.every((n) => n.read_at)).toBe(true)

    // Another street starts from nothing, and a failed refresh keeps what is shown.
    list.mockRejectedValueOnce(new Error('offline'))
    await refreshNotices('371326002')
    expect(notices.code).toBe('371326002')
    expect(notices.unread).toBe(0)
    expect(notices.failed).toBe(true)
  })
})

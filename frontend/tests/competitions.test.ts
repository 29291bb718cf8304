import { describe, expect, it } from 'vitest'
import type { Me } from '../src/api/types'
import {
  barPercent,
  cellKey,
  checkScore,
  editable,
  formatScore,
  isJudge,
  mayAdminister,
  mayReadCompetitions,
  nextAction,
  resultsReadable,
  scoreMap,
  sheetProgress,
  statusStep,
  weightSum,
} from '../src/competitions'

const county = { id: 1, code: '371326', name: '平邑县' }
const judge: Me = {
  credential: 'session',
  name: '孙立',
  county,
  county_wide: false,
  county_permissions: ['competition:read', 'competition:score'],
  memberships: [{ id: 9, role: 'judge' }],
  streets: [],
} as unknown as Me

describe('competition rules in the pages', () => {
  it('moves a competition one step at a time', () => {
    expect(['draft', 'open', 'locked', 'scoring', 'scored', 'published'].map((s) => nextAction(s as never))).toEqual([
      'open',
      'lock',
      'score',
      null,
      'publish',
      null,
    ])
    expect(statusStep('scoring')).toBe(statusStep('scored'))
    expect(statusStep('draft')).toBe(0)
    expect(editable('draft')).toBe(true)
    expect(editable('open')).toBe(false)
  })

  it('shows results once published, and to administrators once scored', () => {
    expect(resultsReadable('published', false)).toBe(true)
    expect(resultsReadable('scored', false)).toBe(false)
    expect(resultsReadable('scored', true)).toBe(true)
    expect(resultsReadable('locked', true)).toBe(false)
  })

  it('knows judges and administrators', () => {
    expect(isJudge(judge)).toBe(true)
    expect(mayReadCompetitions(judge)).toBe(true)
    expect(mayAdminister(judge)).toBe(false)
    expect(mayAdminister({ ...judge, county_permissions: ['competition:write'] } as Me)).toBe(true)
    expect(mayReadCompetitions({ ...judge, county_permissions: [], memberships: [] } as unknown as Me)).toBe(false)
    expect(mayReadCompetitions(null)).toBe(false)
  })

  it('checks a score against the maximum', () => {
    expect(checkScore('85', 100)).toEqual({ ok: true, value: 85 })
    expect(checkScore('41.5', 50)).toEqual({ ok: true, value: 41.5 })
    expect(checkScore('41，5', 50)).toEqual({ ok: true, value: 41.5 })
    expect(checkScore('0', 50)).toEqual({ ok: true, value: 0 })
    expect(checkScore('', 50)).toEqual({ ok: false, reason: 'empty' })
    expect(checkScore('abc', 50)).toEqual({ ok: false, reason: 'nan' })
    expect(checkScore('51', 50)).toEqual({ ok: false, reason: 'range' })
    expect(checkScore('-1', 50)).toEqual({ ok: false, reason: 'range' })
    expect(checkScore('1.234', 50)).toEqual({ ok: false, reason: 'decimals' })
  })

  it("counts a judge's progress per participant", () => {
    const participants = [{ id: 1 }, { id: 2 }] as never[]
    const criteria = [{ id: 10 }, { id: 11 }, { id: 12 }] as never[]
    const m = scoreMap([
      { participant_id: 1, criterion_id: 10, score: 80, updated_at: '' },
      { participant_id: 1, criterion_id: 12, score: 40, updated_at: '' },
      { participant_id: 2, criterion_id: 11, score: 70, updated_at: '' },
    ])
    expect(m.get(cellKey(1, 12))?.score).toBe(40)
    const p = sheetProgress(participants, criteria, m)
    expect(p.done).toBe(3)
    expect(p.total).toBe(6)
    expect(p.per.get(1)).toBe(2)
    expect(p.per.get(2)).toBe(1)
  })

  it('formats scores, weights and progress', () => {
    expect(formatScore(74.8333)).toBe('74.83')
    expect(formatScore(67)).toBe('67.00')
    expect(formatScore(null)).toBe('—')
    expect(weightSum([{ weight: 0.5 }, { weight: 0.3 }, { weight: 0.2 }])).toEqual({ sum: 1, unit: true })
    expect(weightSum([{ weight: 1 }, { weight: 2 }])).toEqual({ sum: 3, unit: false })
    expect(barPercent({ status: 'scoring', progress: 66 })).toBe(66)
    expect(barPercent({ status: 'scored', progress: 99 })).toBe(100)
  })
})

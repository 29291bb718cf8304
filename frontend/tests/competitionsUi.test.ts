// The judge's phone page and the results page with the API mocked: a score
// saved on leaving the field, a score over the maximum refused before it is
// sent, a locked sheet read-only; the results ranked with the top marked.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { competitionsApi, type Results, type Sheet } from '../src/api/competitions'
import type { Me } from '../src/api/types'
import { i18n } from '../src/i18n'
import { session } from '../src/session'
import CompetitionResultsView from '../src/views/competitions/CompetitionResultsView.vue'
import JudgeSheetView from '../src/views/competitions/JudgeSheetView.vue'

const county = { id: 1, code: '371326', name: '平邑县' }
const me = { credential: 'session', name: '评委1', county, county_wide: false, memberships: [{ id: 1, role: 'judge' }], streets: [] } as unknown as Me
const competition = {
  id: 7,
  name: '2026年度观摩评比',
  status: 'open',
  drop_extremes_min_judges: 5,
  progress: 0,
  created_by: '王建国',
  created_at: '2026-11-30T00:00:00Z',
  updated_at: '2026-11-30T00:00:00Z',
  opened_at: null,
  locked_at: null,
  scored_at: null,
  published_at: null,
} as const
const participants = [
  { id: 1, street_id: 1, node_id: null, name: '平邑街道', sort: 1 },
  { id: 2, street_id: 2, node_id: null, name: '仲村镇', sort: 2 },
]
const criteria = [
  { id: 10, name: '矛盾化解', weight: 0.5, max_score: 100, sort: 1 },
  { id: 11, name: '群众满意', weight: 0.5, max_score: 50, sort: 2 },
]
const sheet = (status: string, scores: Sheet['scores'] = []): Sheet =>
  ({ competition: { ...competition, status }, participants, criteria, judges: [], can_administer: false, is_judge: true, scores }) as unknown as Sheet

enableAutoUnmount(afterEach)
afterEach(() => {
  vi.restoreAllMocks()
  session.me = null
})

const $$ = (w: ReturnType<typeof mount>, id: string) => w.findAll(`[data-testid="${id}"]`)

describe('the judge sheet', () => {
  it('saves a score when the field is left and refuses one over the maximum', async () => {
    session.me = me
    vi.spyOn(competitionsApi, 'sheet').mockResolvedValue(sheet('open', [{ participant_id: 1, criterion_id: 10, score: 80, updated_at: '' }]))
    const put = vi.spyOn(competitionsApi, 'setScore').mockImplementation(async (_c, _id, p, k, score) => ({ participant_id: p, criterion_id: k, score, updated_at: '' }))
    const w = mount(JudgeSheetView, { props: { id: 7 }, global: { plugins: [ElementPlus, i18n] } })
    await flushPromises()
    const inputs = $$(w, 'judge-input')
    expect(inputs).toHaveLength(4)
    expect((inputs[0]!.element as HTMLInputElement).value).toBe('80')
    expect($$(w, 'judge-progress')[0]!.attributes('data-done')).toBe('1')

    await inputs[1]!.setValue('51')
    await inputs[1]!.trigger('change')
    await flushPromises()
    expect(put).not.toHaveBeenCalled()
    expect($$(w, 'judge-cell')[1]!.attributes('data-state')).toBe('error')
    expect($$(w, 'judge-error')[0]!.text()).toContain('0 到 50.00')

    await inputs[1]!.setValue('45.5')
    await inputs[1]!.trigger('change')
    await flushPromises()
    expect(put).toHaveBeenCalledWith('371326', 7, 1, 11, 45.5)
    expect($$(w, 'judge-cell')[1]!.attributes('data-state')).toBe('saved')
    expect($$(w, 'judge-progress')[0]!.attributes('data-done')).toBe('2')
  })

  it('is read-only once locked', async () => {
    session.me = me
    vi.spyOn(competitionsApi, 'sheet').mockResolvedValue(sheet('locked'))
    const w = mount(JudgeSheetView, { props: { id: 7 }, global: { plugins: [ElementPlus, i18n] } })
    await flushPromises()
    expect($$(w, 'judge-closed')).toHaveLength(1)
    expect($$(w, 'judge-input').every((i) => (i.element as HTMLInputElement).disabled)).toBe(true)
  })
})

describe('the results page', () => {
  it('lists ranks with ties, means and totals, and marks the top', async () => {
    session.me = me
    const results = {
      competition: { ...competition, status: 'published' },
      criteria,
      rows: [
        { participant: participants[0], rank: 1, total: 74.8333, means: [{ criterion_id: 10, mean: 85, scores: 5, trimmed: true }, { criterion_id: 11, mean: 41.6667, scores: 5, trimmed: true }] },
        { participant: participants[1], rank: 1, total: 74.8333, means: [{ criterion_id: 10, mean: 85, scores: 5, trimmed: true }, { criterion_id: 11, mean: null, scores: 0, trimmed: false }] },
      ],
    } as unknown as Results
    vi.spyOn(competitionsApi, 'results').mockResolvedValue(results)
    const w = mount(CompetitionResultsView, {
      props: { id: 7 },
      global: { plugins: [ElementPlus, i18n], stubs: { 'router-link': { template: '<a><slot /></a>' } } },
    })
    await flushPromises()
    expect($$(w, 'result-rank').map((r) => r.text())).toEqual(['1', '1'])
    expect($$(w, 'result-total').map((r) => r.text())).toEqual(['74.83', '74.83'])
    expect($$(w, 'result-mean').map((r) => r.text())).toEqual(['85.00', '41.67', '85.00', '—'])
    expect(w.findAll('.result-row--top')).toHaveLength(2)
    expect($$(w, 'results-download')).toHaveLength(1)
  })
})

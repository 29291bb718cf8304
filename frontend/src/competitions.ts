// What the competition pages compute without the server: who sees what,
// the next step of a competition, score validation, a judge's progress and
// how results are shown.
import type { Competition, CompetitionStatus, Criterion, Participant, ScoreEntry } from './api/competitions'
import type { Me } from './api/types'

export const STATUSES: CompetitionStatus[] = ['draft', 'open', 'locked', 'scoring', 'scored', 'published']

/** The step of the status bar (scoring counts as the step before scored). */
export function statusStep(status: CompetitionStatus): number {
  return Math.max(0, ['draft', 'open', 'locked', 'scored', 'published'].indexOf(status === 'scoring' ? 'scored' : status))
}

export type CompetitionAction = 'open' | 'lock' | 'score' | 'publish'

/** The one action that moves a competition on, for its administrators. */
export function nextAction(status: CompetitionStatus): CompetitionAction | null {
  return ({ draft: 'open', open: 'lock', locked: 'score', scored: 'publish' } as Partial<Record<CompetitionStatus, CompetitionAction>>)[status] ?? null
}

/** The set-up (participants, criteria, judges) changes only in draft. */
export const editable = (status: CompetitionStatus) => status === 'draft'

/** Results can be read once published (administrators preview them once scored). */
export function resultsReadable(status: CompetitionStatus, admin: boolean): boolean {
  return status === 'published' || (admin && status === 'scored')
}

/** The caller reads competitions (county staff, judges, a county key). */
export function mayReadCompetitions(me: Me | null | undefined): boolean {
  if (!me) return false
  return me.county_wide || (me.county_permissions ?? []).includes('competition:read')
}

/** The caller sets competitions up. */
export function mayAdminister(me: Me | null | undefined): boolean {
  return !!me && (me.county_permissions ?? []).includes('competition:write')
}

/** The caller holds the judge role. */
export function isJudge(me: Me | null | undefined): boolean {
  return (me?.memberships ?? []).some((m) => m.role === 'judge')
}

export type ScoreCheck = { ok: true; value: number } | { ok: false; reason: 'empty' | 'nan' | 'range' | 'decimals' }

/** Checks what a judge typed: a number from 0 to max with at most 2 decimals. */
export function checkScore(raw: string | number | null | undefined, max: number): ScoreCheck {
  const text = String(raw ?? '').trim().replace('，', '.').replace(',', '.')
  if (text === '') return { ok: false, reason: 'empty' }
  if (!/^-?\d+(\.\d+)?$/.test(text)) return { ok: false, reason: 'nan' }
  const value = Number(text)
  if (value < 0 || value > max) return { ok: false, reason: 'range' }
  if (!/^-?\d+(\.\d{1,2})?$/.test(text)) return { ok: false, reason: 'decimals' }
  return { ok: true, value }
}

export const cellKey = (participantId: number, criterionId: number) => `${participantId}:${criterionId}`

/** A judge's scores by cell. */
export function scoreMap(scores: ScoreEntry[]): Map<string, ScoreEntry> {
  return new Map(scores.map((s) => [cellKey(s.participant_id, s.criterion_id), s]))
}

/** How many of the sheet's cells the judge has scored, per participant and in all. */
export function sheetProgress(participants: Participant[], criteria: Criterion[], scores: Map<string, unknown>) {
  const per = new Map<number, number>()
  let done = 0
  for (const p of participants) {
    const n = criteria.filter((c) => scores.has(cellKey(p.id, c.id))).length
    per.set(p.id, n)
    done += n
  }
  return { per, done, total: participants.length * criteria.length }
}

/** Scores and means as the pages show them: two decimals. */
export function formatScore(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v.toFixed(2)
}

/** Σ weights, and whether they happen to sum to 1 (they are not normalised). */
export function weightSum(criteria: Pick<Criterion, 'weight'>[]): { sum: number; unit: boolean } {
  const sum = Math.round(criteria.reduce((s, c) => s + c.weight, 0) * 10000) / 10000
  return { sum, unit: Math.abs(sum - 1) < 1e-9 }
}

/** Whether a competition needs its progress polled. */
export const running = (c: Pick<Competition, 'status'>) => c.status === 'scoring'

/** The bar's percentage: 100 once scored. */
export function barPercent(c: Pick<Competition, 'status' | 'progress'>): number {
  if (c.status === 'scored' || c.status === 'published') return 100
  return Math.min(100, Math.max(0, c.progress))
}

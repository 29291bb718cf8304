// The observation competition operations (观摩评比): the county sets one up
// and moves it along; judges score it from a phone; everyone it concerns
// reads the published result.
import { request } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type Competition = Schemas['CompetitionBody']
export type CompetitionStatus = Competition['status']
export type Participant = Schemas['ParticipantBody']
export type Criterion = Schemas['CriterionBody']
export type Judge = Schemas['JudgeBody']
export type ScoreEntry = Schemas['ScoreBody']
export type MeanEntry = Schemas['MeanBody']
type Lists = { participants: Participant[]; criteria: Criterion[]; judges: Judge[] }
/** A competition with its set-up; the lists are never null here. */
export type CompetitionDetail = Omit<Schemas['CompetitionDetailBody'], keyof Lists> & Lists
export type Sheet = Omit<Schemas['SheetOutputBody'], keyof Lists | 'scores'> & Lists & { scores: ScoreEntry[] }
export type ResultRow = Omit<Schemas['ResultBody'], 'means'> & { means: MeanEntry[] }
export type Results = Omit<Schemas['ResultsOutputBody'], 'criteria' | 'rows'> & { criteria: Criterion[]; rows: ResultRow[] }
export type MissingScore = Schemas['MissingBody']

const seg = encodeURIComponent
const base = (county: string) => `/counties/${seg(county)}/competitions`
const one = (county: string, id: number) => `${base(county)}/${id}`

/** The server may encode empty lists as null; the pages see arrays. */
function detail(d: Schemas['CompetitionDetailBody']): CompetitionDetail {
  return { ...d, participants: d.participants ?? [], criteria: d.criteria ?? [], judges: d.judges ?? [] }
}

export const competitionsApi = {
  list: (county: string) => request<{ items: Competition[] | null }>('GET', base(county)).then((l) => l.items ?? []),
  judging: (county: string) => request<{ items: Competition[] | null }>('GET', `/counties/${seg(county)}/judging`).then((l) => l.items ?? []),
  create: (county: string, name: string, dropExtremesMinJudges?: number) =>
    request<Schemas['CompetitionDetailBody']>('POST', base(county), { json: { name, drop_extremes_min_judges: dropExtremesMinJudges || undefined } }).then(detail),
  get: (county: string, id: number) => request<Schemas['CompetitionDetailBody']>('GET', one(county, id)).then(detail),
  update: (county: string, id: number, name: string, dropExtremesMinJudges: number) =>
    request<Schemas['CompetitionDetailBody']>('PATCH', one(county, id), { json: { name, drop_extremes_min_judges: dropExtremesMinJudges } }).then(detail),
  addParticipant: (county: string, id: number, streetCode: string, nodeId?: number) =>
    request<Participant>('POST', `${one(county, id)}/participants`, { json: { street_code: streetCode, node_id: nodeId || undefined } }),
  removeParticipant: (county: string, id: number, participantId: number) =>
    request<unknown>('DELETE', `${one(county, id)}/participants/${participantId}`),
  addCriterion: (county: string, id: number, body: { name: string; weight: number; max_score: number }) =>
    request<Criterion>('POST', `${one(county, id)}/criteria`, { json: body }),
  removeCriterion: (county: string, id: number, criterionId: number) =>
    request<unknown>('DELETE', `${one(county, id)}/criteria/${criterionId}`),
  addJudge: (county: string, id: number, identityId: string) =>
    request<Judge>('POST', `${one(county, id)}/judges`, { json: { identity_id: identityId } }),
  removeJudge: (county: string, id: number, identityId: string) =>
    request<unknown>('DELETE', `${one(county, id)}/judges/${seg(identityId)}`),
  open: (county: string, id: number) => request<Schemas['CompetitionDetailBody']>('POST', `${one(county, id)}/open`).then(detail),
  lock: (county: string, id: number) => request<Schemas['CompetitionDetailBody']>('POST', `${one(county, id)}/lock`).then(detail),
  startScoring: (county: string, id: number, force = false) =>
    request<Schemas['CompetitionDetailBody']>('POST', `${one(county, id)}/scoring`, { json: { force } }).then(detail),
  publish: (county: string, id: number) => request<Schemas['CompetitionDetailBody']>('POST', `${one(county, id)}/publish`).then(detail),
  missing: (county: string, id: number) =>
    request<{ items: MissingScore[] | null }>('GET', `${one(county, id)}/missing-scores`).then((l) => l.items ?? []),
  results: (county: string, id: number) =>
    request<Schemas['ResultsOutputBody']>('GET', `${one(county, id)}/results`).then(
      (r): Results => ({ ...r, criteria: r.criteria ?? [], rows: (r.rows ?? []).map((row) => ({ ...row, means: row.means ?? [] })) }),
    ),
  /** Where the XLSX of a published result is served. */
  exportUrl: (county: string, id: number) => `/api/v1${one(county, id)}/results.xlsx`,
  sheet: (county: string, id: number) =>
    request<Schemas['SheetOutputBody']>('GET', `${one(county, id)}/sheet`).then((s): Sheet => ({
      ...s,
      participants: s.participants ?? [],
      criteria: s.criteria ?? [],
      judges: s.judges ?? [],
      scores: s.scores ?? [],
    })),
  setScore: (county: string, id: number, participantId: number, criterionId: number, score: number) =>
    request<ScoreEntry>('PUT', `${one(county, id)}/scores/${participantId}/${criterionId}`, { json: { score } }),
}

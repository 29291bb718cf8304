// The assessment operations (考核): the indicator catalogue, the county's
// schemes, requesting a ranking for a period and reading it.
import { request } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type Indicator = Schemas['IndicatorBody']
export type Weighted = Schemas['WeightedBody']
export type Direction = Indicator['direction']
export type Unit = Indicator['unit']
export type BottomAction = Schemas['SchemeBody']['bottom_action']
/** What a street without data for an indicator scores: 0 on it, or the indicator left out. */
export type NoDataRule = Schemas['SchemeBody']['no_data']
/** A scheme; its indicators are never null here. */
export type Scheme = Omit<Schemas['SchemeBody'], 'indicators'> & { indicators: Weighted[] }
export type SchemeInput = Schemas['SchemeInputBody']
export type Figure = Schemas['RankingFigureBody']
export type RankingResult = Omit<Schemas['RankingResultBody'], 'figures'> & { figures: Figure[] }
/** A ranking; its lists are never null here (results are empty until done, and in lists). */
export type Ranking = Omit<Schemas['RankingBody'], 'indicators' | 'results'> & { indicators: Weighted[]; results: RankingResult[] }
export type RankingStatus = Ranking['status']
export type RankingRequest = Schemas['RankingRequestInputBody']

const seg = encodeURIComponent
const base = (county: string) => `/counties/${seg(county)}/assessment`

function scheme(s: Schemas['SchemeBody']): Scheme {
  return { ...s, indicators: s.indicators ?? [] }
}

/** The server may encode empty lists as null; the pages see arrays. */
export function ranking(r: Schemas['RankingBody']): Ranking {
  return {
    ...r,
    indicators: r.indicators ?? [],
    results: (r.results ?? []).map((x) => ({ ...x, figures: x.figures ?? [] })),
  }
}

export const assessmentApi = {
  indicators: (county: string) =>
    request<{ items: Indicator[] | null }>('GET', `${base(county)}/indicators`).then((l) => l.items ?? []),
  schemes: (county: string) =>
    request<{ items: Schemas['SchemeBody'][] | null }>('GET', `${base(county)}/schemes`).then((l) => (l.items ?? []).map(scheme)),
  createScheme: (county: string, body: SchemeInput) =>
    request<Schemas['SchemeBody']>('POST', `${base(county)}/schemes`, { json: body }).then(scheme),
  requestRanking: (county: string, schemeId: number, body: RankingRequest) =>
    request<Schemas['RankingBody']>('POST', `${base(county)}/schemes/${schemeId}/rankings`, { json: body }).then(ranking),
  rankings: (county: string, schemeId: number) =>
    request<{ items: Schemas['RankingBody'][] | null }>('GET', `${base(county)}/schemes/${schemeId}/rankings`).then((l) =>
      (l.items ?? []).map(ranking),
    ),
  ranking: (county: string, id: number) => request<Schemas['RankingBody']>('GET', `${base(county)}/rankings/${id}`).then(ranking),
}

import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteLocationRaw, type Router, type RouterHistory } from 'vue-router'
import { ApiError } from './api/client'
import { toProblem } from './api/problem'
import type { Me } from './api/types'
import { loadMe, rememberReturn, session } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without being signed in (sign-in, invitation, Kratos's pages). */
    public?: boolean
    /** A residents' page (码上办): public, for a phone, without the staff header. */
    resident?: boolean
  }
}

/** Where someone lands: the county's street list when they see the whole county, else their (first) street. */
export function landing(me: Me): RouteLocationRaw {
  if (me.county_wide) return { name: 'streets' }
  // A judge holding no street role lands on the competitions they judge.
  if (!me.streets?.length && !me.tenant && me.memberships?.some((m) => m.role === 'judge')) return { name: 'competitions' }
  const first = me.streets?.[0] ?? me.tenant?.code
  if (first) return { name: 'street', params: { code: first } }
  // Signed in but holding no role anywhere: the account page says so.
  return { name: 'account' }
}

/** The sign-in page, remembering where the user wanted to go. */
export function signinFor(to: Pick<RouteLocationNormalized, 'fullPath'>): RouteLocationRaw {
  rememberReturn(to.fullPath)
  return { name: 'signin', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
}

/** Pages of one street, named by the :code parameter. */
const STREET_ROUTES = new Set(['street', 'cases', 'case-new', 'case-ledger', 'case', 'notifications', 'situation'])

/** Redirects a signed-in user away from pages their roles do not reach. */
export function reachable(to: RouteLocationNormalized, me: Me): true | RouteLocationRaw {
  if ((to.name === 'streets' || to.name === 'county-staff' || to.name === 'county-situation') && !me.county_wide) return landing(me)
  if ((to.name === 'assessment' || to.name === 'ranking') && !me.county_wide) return landing(me)
  if (STREET_ROUTES.has(String(to.name)) && !me.county_wide) {
    const streets = me.streets ?? (me.tenant ? [me.tenant.code] : [])
    if (!streets.includes(String(to.params.code))) return landing(me)
  }
  return true
}

/** Created only after initSession(): the history reads the URL, which must no longer hold the "#key=…" fragment. */
export function createAppRouter(history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      { path: '/signin', name: 'signin', component: () => import('./views/SigninView.vue'), meta: { public: true } },
      { path: '/connect', name: 'connect', component: () => import('./views/ConnectView.vue'), meta: { public: true } },
      { path: '/recover', name: 'recover', component: () => import('./views/RecoverView.vue'), meta: { public: true } },
      { path: '/error', name: 'error', component: () => import('./views/ErrorView.vue'), meta: { public: true } },
      { path: '/account', name: 'account', component: () => import('./views/AccountView.vue') },
      { path: '/', name: 'streets', component: () => import('./views/StreetsView.vue') },
      { path: '/county/staff', name: 'county-staff', component: () => import('./views/CountyStaffView.vue') },
      { path: '/exports', name: 'exports', component: () => import('./views/ExportsView.vue') },
      { path: '/streets/:code', name: 'street', component: () => import('./views/StreetView.vue'), props: true },
      { path: '/streets/:code/cases', name: 'cases', component: () => import('./views/CasesView.vue'), props: true },
      { path: '/streets/:code/cases/new', name: 'case-new', component: () => import('./views/CaseReportView.vue'), props: true },
      { path: '/streets/:code/cases/ledger', name: 'case-ledger', component: () => import('./views/CaseLedgerView.vue'), props: true },
      {
        path: '/streets/:code/cases/:id(\\d+)',
        name: 'case',
        component: () => import('./views/CaseDetailView.vue'),
        props: (r) => ({ code: String(r.params.code), id: Number(r.params.id) }),
      },
      { path: '/streets/:code/notifications', name: 'notifications', component: () => import('./views/NotificationsView.vue'), props: true },
      // The situational dashboard (态势) of a street and of the county; ?screen=1 is the big screen.
      {
        path: '/streets/:code/situation',
        name: 'situation',
        component: () => import('./views/situation/SituationView.vue'),
        props: (r) => ({ level: 'street', code: String(r.params.code) }),
      },
      {
        path: '/county/situation',
        name: 'county-situation',
        component: () => import('./views/situation/SituationView.vue'),
        props: () => ({ level: 'county', code: session.me?.county.code ?? '' }),
      },
      // Residents: the page a QR code opens, and the status page of a tracking code.
      { path: '/q/:token', name: 'appeal', component: () => import('./views/AppealView.vue'), props: true, meta: { public: true, resident: true } },
      {
        path: '/t/:code?',
        name: 'track',
        component: () => import('./views/TrackingView.vue'),
        props: (r) => ({ code: typeof r.params.code === 'string' ? r.params.code : '' }),
        meta: { public: true, resident: true },
      },
      // Observation competitions (观摩评比): county staff and judges.
      { path: '/county/competitions', name: 'competitions', component: () => import('./views/competitions/CompetitionsView.vue') },
      {
        path: '/county/competitions/:id(\\d+)',
        name: 'competition',
        component: () => import('./views/competitions/CompetitionSetupView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      {
        path: '/county/competitions/:id(\\d+)/results',
        name: 'competition-results',
        component: () => import('./views/competitions/CompetitionResultsView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      {
        path: '/county/competitions/:id(\\d+)/score',
        name: 'competition-score',
        component: () => import('./views/competitions/JudgeSheetView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      // Assessment (考核): schemes, requesting a ranking, and a ranking with its charts.
      { path: '/county/assessment', name: 'assessment', component: () => import('./views/assessment/AssessmentView.vue') },
      {
        path: '/county/assessment/rankings/:id(\\d+)',
        name: 'ranking',
        component: () => import('./views/assessment/RankingView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
  })

  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    if (!session.me) {
      try {
        await loadMe()
      } catch (e) {
        // No session and no (valid) key: sign in. Any other failure is shown on the sign-in page.
        if (!(e instanceof ApiError && e.status === 401)) session.lastError = toProblem(e)
        return signinFor(to)
      }
    }
    return reachable(to, session.me!)
  })

  return router
}

import { createRouter, createWebHistory, type Router } from 'vue-router'
import { ApiError } from './api/client'
import { toProblem } from './api/problem'
import { disconnect, loadMe, session } from './session'

/** Created only after initSession(): the history reads the URL, which must no longer hold the "#key=…" fragment. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/connect', name: 'connect', component: () => import('./views/ConnectView.vue') },
      { path: '/', name: 'streets', component: () => import('./views/StreetsView.vue') },
      { path: '/streets/:code', name: 'street', component: () => import('./views/StreetView.vue'), props: true },
      { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
  })

  router.beforeEach(async (to) => {
    if (to.name === 'connect') return true
    const back = { name: 'connect', query: { redirect: to.fullPath } }
    if (!session.apiKey) return back
    if (!session.me) {
      try {
        await loadMe()
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) disconnect()
        else session.lastError = toProblem(e)
        return back
      }
    }
    // A street-scoped key can only see its own street.
    const tenant = session.me?.tenant
    if (tenant && (to.name === 'streets' || (to.name === 'street' && to.params.code !== tenant.code))) {
      return { name: 'street', params: { code: tenant.code } }
    }
    return true
  })

  return router
}

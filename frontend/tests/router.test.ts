import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { api } from '../src/api'
import { ApiError } from '../src/api/client'
import type { Me } from '../src/api/types'
import { createAppRouter, landing } from '../src/router'
import { KEY_STORAGE, RETURN_STORAGE, session, takeReturn } from '../src/session'

const county = { id: 1, code: '371326', name: '平邑县' }
const gridWorker: Me = {
  credential: 'session',
  name: '李娜',
  county,
  county_wide: false,
  memberships: [{ id: 1, role: 'grid_worker', tenant_code: '371326106', node_id: 2039 }],
  streets: ['371326106'],
}
const countyKey: Me = { credential: 'api_key', name: 'demo', county, county_wide: true, memberships: [], streets: ['371326001', '371326106'] }

function router() {
  return createAppRouter(createMemoryHistory())
}

beforeEach(() => {
  localStorage.clear()
  sessionStorage.clear()
  session.apiKey = null
  session.me = null
  session.lastError = null
})

afterEach(() => vi.restoreAllMocks())

describe('router guard', () => {
  it('sends a 401 to /signin, keeping the route the user wanted', async () => {
    vi.spyOn(api, 'me').mockRejectedValue(new ApiError(401, { title: 'Unauthorized', status: 401 }))
    const r = router()
    await r.push('/streets/371326106?tab=staff')
    expect(r.currentRoute.value.name).toBe('signin')
    expect(r.currentRoute.value.query.redirect).toBe('/streets/371326106?tab=staff')
    expect(sessionStorage.getItem(RETURN_STORAGE)).toBe('/streets/371326106?tab=staff')
  })

  it('shows other failures on the sign-in page', async () => {
    vi.spyOn(api, 'me').mockRejectedValue(new ApiError(503, { title: 'Service Unavailable', status: 503, detail: 'database down' }))
    const r = router()
    await r.push('/')
    expect(r.currentRoute.value.name).toBe('signin')
    expect(session.lastError?.detail).toBe('database down')
  })

  it('drops a revoked key and carries on with the session cookie', async () => {
    localStorage.setItem(KEY_STORAGE, 'revoked')
    session.apiKey = 'revoked'
    const me = vi
      .spyOn(api, 'me')
      .mockRejectedValueOnce(new ApiError(401, { title: 'Unauthorized', status: 401 }))
      .mockResolvedValueOnce(gridWorker)
    const r = router()
    await r.push('/streets/371326106')
    expect(me.mock.calls).toEqual([['revoked'], []])
    expect(localStorage.getItem(KEY_STORAGE)).toBeNull()
    expect(r.currentRoute.value.fullPath).toBe('/streets/371326106')
  })

  it('leaves the sign-in, invitation and error pages alone', async () => {
    const me = vi.spyOn(api, 'me')
    const r = router()
    for (const path of ['/signin', '/recover?flow=abc', '/error?id=x', '/connect']) {
      await r.push(path)
      expect(r.currentRoute.value.fullPath).toBe(path)
    }
    expect(me).not.toHaveBeenCalled()
  })

  it('sends someone without the county to their first street', async () => {
    vi.spyOn(api, 'me').mockResolvedValue(gridWorker)
    const r = router()
    await r.push('/')
    expect(r.currentRoute.value.fullPath).toBe('/streets/371326106')
    await r.push('/streets/371326001')
    expect(r.currentRoute.value.fullPath).toBe('/streets/371326106')
    await r.push('/county/staff')
    expect(r.currentRoute.value.fullPath).toBe('/streets/371326106')
  })

  it('shows the county street list to county-wide callers', async () => {
    vi.spyOn(api, 'me').mockResolvedValue(countyKey)
    const r = router()
    await r.push('/')
    expect(r.currentRoute.value.name).toBe('streets')
    await r.push('/streets/371326001')
    expect(r.currentRoute.value.name).toBe('street')
    await r.push('/county/staff')
    expect(r.currentRoute.value.name).toBe('county-staff')
  })

  it('lands someone without any role on the account page', () => {
    expect(landing({ ...gridWorker, memberships: [], streets: [] })).toEqual({ name: 'account' })
    expect(landing(countyKey)).toEqual({ name: 'streets' })
    expect(landing(gridWorker)).toEqual({ name: 'street', params: { code: '371326106' } })
  })
})

describe('takeReturn', () => {
  it('prefers the redirect query, then the remembered page, and never goes back to an auth page', () => {
    sessionStorage.setItem(RETURN_STORAGE, '/streets/371326001')
    expect(takeReturn('/county/staff')).toBe('/county/staff')
    expect(sessionStorage.getItem(RETURN_STORAGE)).toBeNull()
    sessionStorage.setItem(RETURN_STORAGE, '/streets/371326001')
    expect(takeReturn(undefined)).toBe('/streets/371326001')
    expect(takeReturn('/signin?redirect=/x')).toBe('/')
    expect(takeReturn('//evil.example.org/')).toBe('/')
    expect(takeReturn('https://evil.example.org/')).toBe('/')
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../src/api'
import { ApiError, configureClient } from '../src/api/client'

function reply(status: number, body: unknown, type = 'application/json') {
  return vi.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': type } }))
}

afterEach(() => vi.unstubAllGlobals())

describe('api client', () => {
  it('sends the stored key and query parameters', async () => {
    const fetch = reply(200, { items: [] })
    vi.stubGlobal('fetch', fetch)
    configureClient({ getKey: () => 'k1', onUnauthorized: vi.fn() })
    await api.searchNodes('371326001', '东关', 20)
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/tenants/371326001/nodes/search?q=%E4%B8%9C%E5%85%B3&limit=20')
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer k1')
  })

  it('treats a null item list as empty', async () => {
    vi.stubGlobal('fetch', reply(200, { items: null }))
    configureClient({ getKey: () => 'k1', onUnauthorized: vi.fn() })
    expect(await api.childNodes('371326001', 17)).toEqual([])
  })

  it('throws the problem and reports a 401', async () => {
    vi.stubGlobal('fetch', reply(401, { title: 'Unauthorized', status: 401, detail: 'invalid API key' }, 'application/problem+json'))
    const onUnauthorized = vi.fn()
    configureClient({ getKey: () => 'bad', onUnauthorized })
    const err = await api.listTenants('371326').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(401)
    expect((err as ApiError).problem.detail).toBe('invalid API key')
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })

  it('lets the connect page try a key without the global 401 redirect', async () => {
    const fetch = reply(401, { title: 'Unauthorized', status: 401 })
    vi.stubGlobal('fetch', fetch)
    const onUnauthorized = vi.fn()
    configureClient({ getKey: () => null, onUnauthorized })
    await expect(api.me('candidate')).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).not.toHaveBeenCalled()
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer candidate')
  })

  it('uploads the import file as the multipart field "file"', async () => {
    const fetch = reply(200, { total: 4, created: { community: 1, zone: 1, grid: 1, building: 1 } })
    vi.stubGlobal('fetch', fetch)
    configureClient({ getKey: () => 'k1', onUnauthorized: vi.fn() })
    const file = new File(['level,code,name,parent_code\r\n'], 'nodes.csv', { type: 'text/csv' })
    const result = await api.importHierarchy('371326001', file)
    expect(result.total).toBe(4)
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/tenants/371326001/hierarchy/import')
    expect(init.method).toBe('POST')
    expect((init.body as FormData).get('file')).toBeInstanceOf(File)
    expect((init.headers as Record<string, string>)['Content-Type']).toBeUndefined()
  })

  it('asks for a new sign-in code for a street or county role', async () => {
    const code = { recovery_link: 'https://fengqiao.example/recover?flow=f1', recovery_code: '123456' }
    const fetch = reply(200, code)
    vi.stubGlobal('fetch', fetch)
    configureClient({ getKey: () => 'k1', onUnauthorized: vi.fn() })
    expect(await api.newStaffCode('371326106', 7)).toEqual(code)
    expect(await api.newCountyStaffCode('371326', 3)).toEqual(code)
    const calls = fetch.mock.calls as unknown as [string, RequestInit][]
    expect(calls.map(([url, init]) => [init.method, url])).toEqual([
      ['POST', '/api/v1/tenants/371326106/staff/7/code'],
      ['POST', '/api/v1/counties/371326/staff/3/code'],
    ])
    expect(calls[0][1].body).toBeUndefined()
  })

  it('throws the problem when no new code can be made', async () => {
    vi.stubGlobal('fetch', reply(404, { title: 'Not Found', status: 404, detail: 'membership 9 not found' }, 'application/problem+json'))
    configureClient({ getKey: () => 'k1', onUnauthorized: vi.fn() })
    const err = (await api.newStaffCode('371326106', 9).catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(404)
    expect(err.problem.detail).toBe('membership 9 not found')
  })

  it('turns a network failure into a problem', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const err = (await api.getTenant('371326001').catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(0)
    expect(err.problem.detail).toBe('Failed to fetch')
  })
})

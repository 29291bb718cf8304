// A place's QR code on its node page: the image fetched with the caller's
// credentials, downloads, replacing it (node:write, after a warning), and the
// label sheet of a community, zone or grid.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { api } from '../src/api'
import { configureClient } from '../src/api/client'
import type { NodeDetail as NodeDetailData, QRCode } from '../src/api/types'
import { i18n } from '../src/i18n'
import { pngUrl, qrFileName } from '../src/qr'
import NodeDetail from '../src/views/street/NodeDetail.vue'

const TENANT = '371326001'

const node = (kind: NodeDetailData['kind'], permissions: string[]): NodeDetailData => ({
  id: 301,
  kind,
  code: kind === 'building' ? '3713260010010100101' : '371326001001',
  name: kind === 'building' ? '1号楼' : '东关社区',
  parent_id: 62,
  child_count: kind === 'building' ? 0 : 4,
  archived: false,
  created_at: '2026-11-22T03:00:00Z',
  path: [{ id: 1, kind: 'street', code: TENANT, name: '平邑街道' }],
  descendant_counts: { community: 0, zone: 0, grid: 0, building: 0 },
  permissions,
})

const code = (token: string): QRCode => ({
  node_id: 301,
  token,
  url: `https://fq.example/q/${token}`,
  png_url: `/api/v1/tenants/${TENANT}/nodes/301/qr.png`,
  svg_url: `/api/v1/tenants/${TENANT}/nodes/301/qr.svg`,
  created_at: '2026-11-22T03:00:00Z',
})

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)
let fetched: [string, RequestInit][] = []

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  fetched = []
  configureClient({ getKey: () => 'fq_test', onUnauthorized: vi.fn() })
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      fetched.push([url, init])
      const html = url.endsWith('/qr-labels')
      return new Response(html ? '<html>labels</html>' : '<svg/>', { status: 200, headers: { 'Content-Type': html ? 'text/html' : 'image/svg+xml' } })
    }),
  )
  let n = 0
  vi.spyOn(URL, 'createObjectURL').mockImplementation(() => `blob:test/${++n}`)
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  configureClient({ getKey: () => null, onUnauthorized: () => {} })
  document.body.innerHTML = ''
})
enableAutoUnmount(afterEach)

async function mountNode(kind: NodeDetailData['kind'], permissions: string[]) {
  vi.spyOn(api, 'getNode').mockResolvedValue(node(kind, permissions))
  const get = vi.spyOn(api, 'getQrCode').mockResolvedValue(code('tok-old'))
  mount(NodeDetail, { props: { tenantCode: TENANT, nodeId: 301 }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return get
}

describe('a building’s QR code', () => {
  it('shows the code, fetched with the API key an <img src> could not send', async () => {
    const get = await mountNode('building', ['node:read'])
    expect(get).toHaveBeenCalledWith(TENANT, 301)
    expect($('node-qr')?.getAttribute('data-token')).toBe('tok-old')
    expect($('node-qr-image')?.getAttribute('src')).toMatch(/^blob:/)
    const [url, init] = fetched[0]
    expect(url).toBe(`/api/v1/tenants/${TENANT}/nodes/301/qr.svg`)
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer fq_test')
    expect($('node-qr-url')?.textContent).toBe('https://fq.example/q/tok-old')
    expect($('node-qr-png')).not.toBeNull()
    expect($('node-qr-svg')).not.toBeNull()
    // A building has no labels sheet, and reading is not enough to replace the code.
    expect($('node-qr-labels')).toBeNull()
    expect($('node-qr-rotate')).toBeNull()
  })

  it('downloads the PNG large enough to print', async () => {
    await mountNode('building', ['node:read'])
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    $('node-qr-png')!.click()
    await flushPromises()
    expect(fetched.at(-1)![0]).toBe(`/api/v1/tenants/${TENANT}/nodes/301/qr.png?scale=20`)
    expect(click).toHaveBeenCalledOnce()
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('qr-3713260010010100101.png')
  })

  it('replaces the code with node:write, after saying the old one stops working', async () => {
    await mountNode('building', ['node:read', 'node:write'])
    const rotate = vi.spyOn(api, 'rotateQrCode').mockResolvedValue(code('tok-new'))
    $('node-qr-rotate')!.click()
    await flushPromises()
    await nextTick()
    const box = document.querySelector<HTMLElement>('.el-message-box')!
    expect(box.textContent).toContain('旧二维码立即失效')
    expect(box.textContent).toContain('此二维码已更换')
    expect(rotate).not.toHaveBeenCalled()
    box.querySelector<HTMLButtonElement>('.el-message-box__btns .el-button--danger')!.click()
    await flushPromises()
    expect(rotate).toHaveBeenCalledWith(TENANT, 301)
    expect($('node-qr')?.getAttribute('data-token')).toBe('tok-new')
  })
})

describe('QR labels', () => {
  it('opens the A4 sheet of a community in a new tab, fetched with the caller’s credentials', async () => {
    await mountNode('community', ['node:read'])
    expect($('node-qr')).toBeNull() // a community has no code of its own
    const tab = { location: { href: '' }, close: vi.fn() }
    vi.spyOn(window, 'open').mockReturnValue(tab as unknown as Window)
    $('node-qr-labels')!.click()
    await flushPromises()
    expect(window.open).toHaveBeenCalledWith('', '_blank')
    const [url, init] = fetched.at(-1)!
    expect(url).toBe(`/api/v1/tenants/${TENANT}/nodes/301/qr-labels`)
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer fq_test')
    expect(tab.location.href).toMatch(/^blob:/)
  })
})

describe('helpers', () => {
  it('name the files and the PNG scale', () => {
    expect(pngUrl(code('t'), 12)).toBe(`/api/v1/tenants/${TENANT}/nodes/301/qr.png?scale=12`)
    expect(qrFileName('', code('t'), 'svg')).toBe('qr-301.svg')
  })
})

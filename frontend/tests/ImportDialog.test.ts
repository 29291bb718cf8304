import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../src/api'
import { ApiError } from '../src/api/client'
import type { Tenant } from '../src/api/types'
import { i18n } from '../src/i18n'
import ImportDialog from '../src/views/street/ImportDialog.vue'

const tenant: Tenant = {
  id: 3,
  code: '371326001',
  name: '平邑街道',
  county_code: '371326',
  status: 'active',
  created_at: '2026-11-22T03:00:00Z',
  node_counts: { community: 12, zone: 30, grid: 150, building: 600 },
  root_id: 1,
  reopen_window_days: 7,
}

async function upload(name: string) {
  const wrapper = mount(ImportDialog, {
    props: { modelValue: true, tenant },
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  })
  await flushPromises()
  const input = document.querySelector<HTMLInputElement>('[data-testid="import-upload"] input[type=file]')!
  Object.defineProperty(input, 'files', { value: [new File(['level,code,name,parent_code\n'], name)] })
  input.dispatchEvent(new Event('change'))
  await flushPromises()
  return wrapper
}

afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('ImportDialog', () => {
  it('shows the created counts after a successful import', async () => {
    const send = vi.spyOn(api, 'importHierarchy').mockResolvedValue({ total: 4, created: { community: 1, zone: 1, grid: 1, building: 1 } })
    const wrapper = await upload('nodes.csv')
    expect(send).toHaveBeenCalledWith('371326001', expect.any(File))
    expect(document.querySelector('[data-testid="import-created-total"]')?.textContent).toBe('4')
    expect(wrapper.emitted('imported')).toHaveLength(1)
  })

  it('lists every bad row with its line and column', async () => {
    vi.spyOn(api, 'importHierarchy').mockRejectedValue(
      new ApiError(422, {
        title: 'Unprocessable Entity',
        detail: 'the file has errors',
        errors: [
          { location: 'file[3].level', message: 'unknown level', value: 'village_x' },
          { location: 'file[2].parent_code', message: 'parent code 371326001999 not found', value: '371326001999' },
        ],
      }),
    )
    const wrapper = await upload('nodes.csv')
    const rows = [...document.querySelectorAll('[data-testid="import-error-row"]')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    )
    expect(rows).toEqual([
      ['2', 'parent_code', 'parent code 371326001999 not found', '371326001999'],
      ['3', 'level', 'unknown level', 'village_x'],
    ])
    expect(document.querySelector('[data-testid="import-result"]')).toBeNull()
    expect(wrapper.emitted('imported')).toBeUndefined()
  })

  it('refuses other file types without calling the server', async () => {
    const send = vi.spyOn(api, 'importHierarchy')
    await upload('nodes.txt')
    expect(send).not.toHaveBeenCalled()
    expect(document.querySelector('[data-testid="import-failure"]')?.textContent).toContain('nodes.txt')
  })
})

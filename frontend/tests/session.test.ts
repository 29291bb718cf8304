import { beforeEach, describe, expect, it, vi } from 'vitest'
import { KEY_STORAGE, adoptKeyFromUrl, keyFromFragment } from '../src/session'

describe('keyFromFragment', () => {
  it.each([
    ['#key=abc123', 'abc123'],
    ['#key=fq_live.a+b/c=', 'fq_live.a+b/c='],
    ['#key=a%2Bb', 'a+b'],
    ['#x=1&key=abc', 'abc'],
    ['#key=', null],
    ['#key=%E0%A4%A', null],
    ['#other=1', null],
    ['', null],
    ['#', null],
  ])('%s → %s', (hash, expected) => {
    expect(keyFromFragment(hash)).toBe(expected)
  })
})

describe('adoptKeyFromUrl', () => {
  beforeEach(() => localStorage.clear())

  it('stores the key and strips the fragment without a new history entry', () => {
    const history = { state: { s: 1 }, replaceState: vi.fn() } as unknown as History
    const adopted = adoptKeyFromUrl({ hash: '#key=k1', pathname: '/streets/371326001', search: '?tab=departments' }, localStorage, history)
    expect(adopted).toBe(true)
    expect(localStorage.getItem(KEY_STORAGE)).toBe('k1')
    expect(history.replaceState).toHaveBeenCalledWith({ s: 1 }, '', '/streets/371326001?tab=departments')
  })

  it('leaves storage and URL alone without a key', () => {
    localStorage.setItem(KEY_STORAGE, 'old')
    const history = { state: null, replaceState: vi.fn() } as unknown as History
    expect(adoptKeyFromUrl({ hash: '#section', pathname: '/', search: '' }, localStorage, history)).toBe(false)
    expect(localStorage.getItem(KEY_STORAGE)).toBe('old')
    expect(history.replaceState).not.toHaveBeenCalled()
  })
})

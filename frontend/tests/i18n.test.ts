import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import en from '../src/i18n/en'
import zhCN from '../src/i18n/zh-CN'

type Messages = { [key: string]: string | Messages }

function flatten(messages: Messages, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(messages)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}

const zh = flatten(zhCN)
const enFlat = flatten(en)

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : /\.(ts|vue)$/.test(d.name) ? [join(dir, d.name)] : [],
  )
}

describe('i18n messages', () => {
  it('every zh-CN key exists in en', () => {
    expect([...zh.keys()].filter((k) => !enFlat.has(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect([...enFlat.keys()].filter((k) => !zh.has(k))).toEqual([])
  })

  it('has no empty messages', () => {
    expect([...zh, ...enFlat].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([])
  })

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()
    const mismatched = [...zh].filter(([k, v]) => names(v).join() !== names(enFlat.get(k) ?? '').join()).map(([k]) => k)
    expect(mismatched).toEqual([])
  })

  it('has a message for every literal key the source uses', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
    const used = new Set<string>()
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1])
      for (const m of text.matchAll(/keypath="([\w.]+)"/g)) used.add(m[1])
    }
    expect(used.size).toBeGreaterThan(50)
    expect([...used].filter((k) => !zh.has(k))).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import type { NodeKind } from '../src/api/types'
import {
  CODE_LENGTH,
  IMPORT_COLUMNS,
  NODE_KINDS,
  codeSuffixLength,
  csvBlob,
  csvTemplate,
  kindLabelKey,
  nextKind,
  parentKind,
  toCsv,
} from '../src/hierarchy'
import en from '../src/i18n/en'
import zhCN from '../src/i18n/zh-CN'

const names = { community: '示例社区', zone: '第一片区', grid: '第一网格', building: '1号楼' }

describe('kinds', () => {
  it('steps down and up the five levels', () => {
    expect(nextKind('street')).toBe('community')
    expect(nextKind('community')).toBe('zone')
    expect(nextKind('zone')).toBe('grid')
    expect(nextKind('grid')).toBe('building')
    expect(nextKind('building')).toBeNull()
    expect(parentKind('street')).toBeNull()
    expect(parentKind('community')).toBe('street')
    expect(parentKind('building')).toBe('grid')
  })

  it('knows the digits each level adds', () => {
    expect(NODE_KINDS.map(codeSuffixLength)).toEqual([3, 3, 2, 3, 3])
    expect(CODE_LENGTH).toEqual({ street: 9, community: 12, zone: 14, grid: 17, building: 20 })
  })

  it('has a label for every kind in both languages', () => {
    const zh: Record<NodeKind, string> = { street: '街道/镇', community: '社区/村', zone: '片区', grid: '网格', building: '楼栋' }
    for (const kind of NODE_KINDS) {
      const [, key] = kindLabelKey(kind).split('.') as [string, NodeKind]
      expect(zhCN.kind[key]).toBe(zh[kind])
      expect(en.kind[key]).toBeTruthy()
    }
  })
})

describe('csv template', () => {
  const csv = csvTemplate('371326001', names)
  const lines = csv.trimEnd().split('\r\n')
  const rows = lines.slice(1).map((l) => l.split(','))

  it('starts with the import header', () => {
    expect(lines[0]).toBe('level,code,name,parent_code')
    expect(IMPORT_COLUMNS.join(',')).toBe(lines[0])
  })

  it('has one valid example row per level below the street', () => {
    expect(rows.map((r) => r[0])).toEqual(['community', 'zone', 'grid', 'building'])
    let parent = '371326001'
    for (const [level, code, name, parentCode] of rows) {
      expect(parentCode).toBe(parent)
      expect(code.startsWith(parent)).toBe(true)
      expect(code).toMatch(/^\d+$/)
      expect(code).toHaveLength(CODE_LENGTH[level as NodeKind])
      expect(name).toBe(names[level as keyof typeof names])
      parent = code
    }
  })

  it('quotes fields that need it', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'x\ny']])).toBe('a,"b,c","say ""hi""","x\ny"\r\n')
  })

  it('downloads as UTF-8 with a BOM for Excel', async () => {
    const bytes = new Uint8Array(await csvBlob('level\r\n').arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  })
})

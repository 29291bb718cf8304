// The five-level grid hierarchy: street → community → zone → grid → building.
// Each code extends its parent's code, so a level is fixed by the code length.
import type { NodeKind } from './api/types'

export const NODE_KINDS: readonly NodeKind[] = ['street', 'community', 'zone', 'grid', 'building']

/** A kind that can appear below a street: the keys of node_counts, and what can be created or imported. */
export type SubKind = Exclude<NodeKind, 'street'>

export const SUB_KINDS = NODE_KINDS.slice(1) as readonly SubKind[]

export const CODE_LENGTH: Readonly<Record<NodeKind, number>> = {
  street: 9,
  community: 12,
  zone: 14,
  grid: 17,
  building: 20,
}

export function nextKind(kind: NodeKind): SubKind | null {
  // A street is not in SUB_KINDS: its index -1 steps to the first sub-kind.
  return SUB_KINDS[SUB_KINDS.indexOf(kind as SubKind) + 1] ?? null
}

export function parentKind(kind: NodeKind): NodeKind | null {
  const i = NODE_KINDS.indexOf(kind)
  return i > 0 ? NODE_KINDS[i - 1] : null
}

/** Digits a node of this kind adds to its parent's code (a street adds 3 to the county's 6). */
export function codeSuffixLength(kind: NodeKind): number {
  const parent = parentKind(kind)
  return CODE_LENGTH[kind] - (parent ? CODE_LENGTH[parent] : 6)
}

/** i18n key of a kind's display name (街道/镇, 社区/村, …). */
export function kindLabelKey(kind: NodeKind): `kind.${NodeKind}` {
  return `kind.${kind}`
}

export const IMPORT_COLUMNS = ['level', 'code', 'name', 'parent_code'] as const

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** Import template: one example branch down to a building under the given street. */
export function csvTemplate(streetCode: string, names: Readonly<Record<SubKind, string>>): string {
  const community = `${streetCode}001`
  const zone = `${community}01`
  const grid = `${zone}001`
  const building = `${grid}001`
  return toCsv([
    IMPORT_COLUMNS,
    ['community', community, names.community, streetCode],
    ['zone', zone, names.zone, community],
    ['grid', grid, names.grid, zone],
    ['building', building, names.building, grid],
  ])
}

/** Excel (the tool most streets use) only reads UTF-8 CSV as UTF-8 when it starts with a BOM. */
export function csvBlob(csv: string): Blob {
  return new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' })
}

// The export operations: XLSX files built in the background, followed by
// their percentage and downloaded once done.
import { request } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type Export = Schemas['ExportBody']
export type ExportStatus = Export['status']
export type ExportFilters = Schemas['ExportFiltersBody']
export type ExportKind = Schemas['CreateExportBody']['kind']

const seg = encodeURIComponent

export const exportsApi = {
  /** Starts an export of a street's cases with the filters chosen (202). */
  createStreetExport: (tenant: string, kind: ExportKind, filters: ExportFilters) =>
    request<Export>('POST', `/tenants/${seg(tenant)}/exports`, { json: { kind, filters } }),
  /** Starts an export of the whole county (county staff). */
  createCountyExport: (county: string, kind: ExportKind, filters: ExportFilters) =>
    request<Export>('POST', `/counties/${seg(county)}/exports`, { json: { kind, filters } }),
  /** The caller's exports everywhere they reach, newest first. */
  myExports: () => request<Schemas['ExportListOutputBody']>('GET', '/exports').then((l) => l.items ?? []),
}

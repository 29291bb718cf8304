// One function per API operation, so views never build URLs themselves.
import { request, upload } from './client'
import type { components } from './schema'
import type {
  Attachment,
  Case,
  CaseDetail,
  CaseFilter,
  CaseInbox,
  CasePage,
  Category,
  ChangeRoleBody,
  CreateCategoryBody,
  CreateDepartmentBody,
  CreateNodeBody,
  CreateTenantBody,
  Deadlines,
  Department,
  DispatchRule,
  DispatchSuggestion,
  ImportResult,
  Invitation,
  InviteCountyBody,
  InviteStreetBody,
  ItemList,
  LedgerItem,
  Me,
  Node,
  NodeDetail,
  NodeHit,
  NodeRef,
  NotificationPage,
  QRCode,
  ReportCaseBody,
  SignInCode,
  StaffMember,
  StepBody,
  SummonBody,
  Summons,
  Tenant,
  UpdateCategoryBody,
  UpdateDepartmentBody,
  UpdateTenantBody,
} from './types'

type WireNodeHit = components['schemas']['NodeHit']
type WireNodeDetail = components['schemas']['NodeDetail']
type WireCaseDetail = components['schemas']['CaseDetailOutputBody']
type WireCasePage = components['schemas']['CaseListBody']
type WireNotificationPage = components['schemas']['NotificationListBody']

/** A lifecycle step; its operation is POST …/cases/{id}/{action with "-" for "_"}. */
export type CaseAction = 'dispatch' | 'accept' | 'return' | 'resolve' | 'self_resolve' | 'confirm' | 'close' | 'reopen' | 'merge' | 'cancel'

const seg = encodeURIComponent

// The server may encode an empty list, and the root's empty path, as null.
const items = <T>(list: ItemList<T>): T[] => list.items ?? []
const withPath = <T extends { path: NodeRef[] | null }>(n: T): T & { path: NodeRef[] } => ({ ...n, path: n.path ?? [] })
const caseDetail = (d: WireCaseDetail): CaseDetail => ({
  ...d,
  allowed_actions: d.allowed_actions ?? [],
  my_actions: d.my_actions ?? [],
  timeline: d.timeline ?? [],
  summons: d.summons ?? [],
  attachments: d.attachments ?? [],
})
const casePath = (tenant: string, id: number) => `/tenants/${seg(tenant)}/cases/${id}`

export const api = {
  /** Who the caller is; a 401 is left to the caller (the router guard, the connect page). */
  me: (key?: string) => request<Me>('GET', '/me', { key, ignoreUnauthorized: true }),

  listTenants: (county: string) =>
    request<ItemList<Tenant>>('GET', `/counties/${seg(county)}/tenants`).then(items),
  createTenant: (county: string, body: CreateTenantBody) =>
    request<Tenant>('POST', `/counties/${seg(county)}/tenants`, { json: body }),
  getTenant: (tenant: string) => request<Tenant>('GET', `/tenants/${seg(tenant)}`),
  updateTenant: (tenant: string, body: UpdateTenantBody) =>
    request<Tenant>('PATCH', `/tenants/${seg(tenant)}`, { json: body }),

  rootNodes: (tenant: string) => request<ItemList<Node>>('GET', `/tenants/${seg(tenant)}/nodes`).then(items),
  childNodes: (tenant: string, parentId: number) =>
    request<ItemList<Node>>('GET', `/tenants/${seg(tenant)}/nodes`, { query: { parent_id: parentId } }).then(items),
  searchNodes: (tenant: string, q: string, limit = 50) =>
    request<ItemList<WireNodeHit>>('GET', `/tenants/${seg(tenant)}/nodes/search`, { query: { q, limit } })
      .then(items)
      .then((hits): NodeHit[] => hits.map(withPath)),
  getNode: (tenant: string, id: number) =>
    request<WireNodeDetail>('GET', `/tenants/${seg(tenant)}/nodes/${id}`).then((d): NodeDetail => withPath(d)),
  createNode: (tenant: string, body: CreateNodeBody) =>
    request<Node>('POST', `/tenants/${seg(tenant)}/nodes`, { json: body }),
  renameNode: (tenant: string, id: number, name: string) =>
    request<Node>('PATCH', `/tenants/${seg(tenant)}/nodes/${id}`, { json: { name } }),
  moveNode: (tenant: string, id: number, parentId: number) =>
    request<Node>('POST', `/tenants/${seg(tenant)}/nodes/${id}/move`, { json: { parent_id: parentId } }),
  archiveNode: (tenant: string, id: number) => request<Node>('POST', `/tenants/${seg(tenant)}/nodes/${id}/archive`),
  importHierarchy: (tenant: string, file: File) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<ImportResult>('POST', `/tenants/${seg(tenant)}/hierarchy/import`, { form })
  },

  /** A building's or grid's QR code, made the first time it is asked for. */
  getQrCode: (tenant: string, id: number) => request<QRCode>('GET', `/tenants/${seg(tenant)}/nodes/${id}/qr`),
  /** A new code for the place; the old one only says it was replaced from now on (node:write). */
  rotateQrCode: (tenant: string, id: number) => request<QRCode>('POST', `/tenants/${seg(tenant)}/nodes/${id}/qr/rotate`),
  /** Where the printable A4 sheet of labels of a community, zone or grid is (HTML; fetched with fetchBlob). */
  qrLabelsUrl: (tenant: string, id: number) => `/api/v1/tenants/${seg(tenant)}/nodes/${id}/qr-labels`,

  listDepartments: (tenant: string) =>
    request<ItemList<Department>>('GET', `/tenants/${seg(tenant)}/departments`).then(items),
  createDepartment: (tenant: string, body: CreateDepartmentBody) =>
    request<Department>('POST', `/tenants/${seg(tenant)}/departments`, { json: body }),
  updateDepartment: (tenant: string, id: number, body: UpdateDepartmentBody) =>
    request<Department>('PATCH', `/tenants/${seg(tenant)}/departments/${id}`, { json: body }),

  listCategories: (tenant: string) =>
    request<ItemList<Category>>('GET', `/tenants/${seg(tenant)}/categories`).then(items),
  createCategory: (tenant: string, body: CreateCategoryBody) =>
    request<Category>('POST', `/tenants/${seg(tenant)}/categories`, { json: body }),
  updateCategory: (tenant: string, id: number, body: UpdateCategoryBody) =>
    request<Category>('PATCH', `/tenants/${seg(tenant)}/categories/${id}`, { json: body }),

  listStaff: (tenant: string, nodeId?: number) =>
    request<ItemList<StaffMember>>('GET', `/tenants/${seg(tenant)}/staff`, { query: { node_id: nodeId } }).then(items),
  inviteStaff: (tenant: string, body: InviteStreetBody) =>
    request<Invitation>('POST', `/tenants/${seg(tenant)}/staff`, { json: body }),
  changeStaffRole: (tenant: string, membershipId: number, body: ChangeRoleBody) =>
    request<StaffMember>('PATCH', `/tenants/${seg(tenant)}/staff/${membershipId}`, { json: body }),
  revokeStaffRole: (tenant: string, membershipId: number) =>
    request<void>('DELETE', `/tenants/${seg(tenant)}/staff/${membershipId}`),
  /** A new sign-in link and code for the person holding this role (staff:invite). */
  newStaffCode: (tenant: string, membershipId: number) =>
    request<SignInCode>('POST', `/tenants/${seg(tenant)}/staff/${membershipId}/code`),

  listCases: (tenant: string, filter: CaseFilter = {}, cursor?: string, limit = 50) =>
    request<WireCasePage>('GET', `/tenants/${seg(tenant)}/cases`, {
      // overdue=false would filter for "not overdue"; the lists only ever ask for overdue ones.
      query: { ...filter, overdue: filter.overdue ? 'true' : undefined, cursor, limit },
    }).then((p): CasePage => ({ items: p.items ?? [], next_cursor: p.next_cursor })),
  reportCase: (tenant: string, body: ReportCaseBody) => request<Case>('POST', `/tenants/${seg(tenant)}/cases`, { json: body }),
  caseInbox: (tenant: string) => request<CaseInbox>('GET', `/tenants/${seg(tenant)}/cases/inbox`),
  caseLedger: (tenant: string) => request<ItemList<LedgerItem>>('GET', `/tenants/${seg(tenant)}/cases/ledger`).then(items),
  getCase: (tenant: string, id: number) => request<WireCaseDetail>('GET', casePath(tenant, id)).then(caseDetail),
  /** One lifecycle step; 409 when the case has moved on (the problem names the steps allowed now), 422 for a missing field. */
  caseStep: (tenant: string, id: number, action: CaseAction, body: StepBody = {}) =>
    request<Case>('POST', `${casePath(tenant, id)}/${action.replaceAll('_', '-')}`, { json: body }),
  suggestDispatch: (tenant: string, id: number) => request<DispatchSuggestion>('GET', `${casePath(tenant, id)}/suggestion`),
  /** The deadlines a dispatch of this category and grade gets (the street's policy, or the built-in default). */
  getDeadlines: (tenant: string, categoryId: number, grade: Case['grade']) =>
    request<Deadlines>('GET', `/tenants/${seg(tenant)}/deadlines`, { query: { category_id: categoryId, grade } }),
  listDispatchRules: (tenant: string) => request<ItemList<DispatchRule>>('GET', `/tenants/${seg(tenant)}/dispatch-rules`).then(items),
  /** Open cases of the same place and category: candidates to merge into (case:confirm). */
  caseDuplicates: (tenant: string, id: number) => request<ItemList<Case>>('GET', `${casePath(tenant, id)}/duplicates`).then(items),
  /** One photo (JPEG, PNG or WebP, at most 10 MiB); onProgress gets the fraction sent. */
  uploadAttachment: (tenant: string, id: number, file: File, onProgress?: (fraction: number) => void) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return upload<Attachment>(`${casePath(tenant, id)}/attachments`, form, onProgress)
  },

  /** Summon departments to a case (吹哨, case:summon); each must check in within the hours. */
  summonDepartments: (tenant: string, id: number, body: SummonBody) =>
    request<unknown>('POST', `${casePath(tenant, id)}/summons`, { json: body }),
  /** A summoned department reports to the case (报到). */
  checkInSummons: (tenant: string, id: number, departmentId: number, note?: string) =>
    request<Summons>('POST', `${casePath(tenant, id)}/summons/${departmentId}/check-in`, { json: { note: note || undefined } }),

  /** The signed-in caller's notifications in a street, newest first (API keys get 403). */
  listNotifications: (tenant: string, opts: { unread?: boolean; cursor?: string; limit?: number } = {}) =>
    request<WireNotificationPage>('GET', `/tenants/${seg(tenant)}/notifications`, {
      query: { unread: opts.unread ? 'true' : undefined, cursor: opts.cursor, limit: opts.limit },
    }).then((p): NotificationPage => ({ items: p.items ?? [], unread: p.unread ?? 0, next_cursor: p.next_cursor || undefined })),
  readNotification: (tenant: string, id: number) => request<unknown>('POST', `/tenants/${seg(tenant)}/notifications/${id}/read`),
  readAllNotifications: (tenant: string) => request<unknown>('POST', `/tenants/${seg(tenant)}/notifications/read-all`),

  listCountyStaff: (county: string) =>
    request<ItemList<StaffMember>>('GET', `/counties/${seg(county)}/staff`).then(items),
  inviteCountyStaff: (county: string, body: InviteCountyBody) =>
    request<Invitation>('POST', `/counties/${seg(county)}/staff`, { json: body }),
  revokeCountyStaffRole: (county: string, membershipId: number) =>
    request<void>('DELETE', `/counties/${seg(county)}/staff/${membershipId}`),
  newCountyStaffCode: (county: string, membershipId: number) =>
    request<SignInCode>('POST', `/counties/${seg(county)}/staff/${membershipId}/code`),
}

// Wire types of the Fengqiao API (/api/v1): thin aliases of the schema that
// `npm run gen:api` generates from api/openapi.yaml.
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type County = Schemas['County']
export type Tenant = Schemas['Tenant']
export type TenantStatus = Tenant['status']
/** Live nodes per level below a street or node. */
export type NodeCounts = Schemas['LevelCounts']
export type Node = Schemas['Node']
export type NodeKind = Node['kind']
export type NodeRef = Schemas['NodeRef']
export type ImportResult = Schemas['ImportOutputBody']
export type Department = Schemas['Department']
export type DepartmentKind = Department['kind']
export type Category = Schemas['Category']
export type CategoryGroup = Category['group']
export type ProblemError = Schemas['ErrorDetail']

/**
 * RFC 9457 problem details. "type" has a default (about:blank), so the generated
 * type requires it, but a server may leave it out, and so does the client for
 * failures it builds itself.
 */
export type Problem = Omit<Schemas['ErrorModel'], 'type'> & { type?: string }

// tenant is absent for a county-wide key.
export type Me = Schemas['MeOutputBody']
export type Membership = Schemas['MembershipBody']
export type Role = Membership['role']
export type StreetRole = Schemas['InviteStreetInputBody']['role']
export type CountyRole = Schemas['InviteCountyInputBody']['role']
export type Credential = Me['credential']

export type StaffMember = Schemas['StaffMember']
export type Invitation = Schemas['InvitationOutputBody']
/** A fresh sign-in link and code for someone already holding a role. */
export type SignInCode = Schemas['CodeOutputBody']
export type InviteStreetBody = Schemas['InviteStreetInputBody']
export type InviteCountyBody = Schemas['InviteCountyInputBody']
export type ChangeRoleBody = Schemas['ChangeRoleInputBody']

// The server may send "path": null for the root; the API layer turns that into [].
export type NodeHit = Omit<Schemas['NodeHit'], 'path'> & { path: NodeRef[] }
export type NodeDetail = Omit<Schemas['NodeDetail'], 'path'> & { path: NodeRef[] }

/** Every list response; the server may encode an empty list as null. */
export interface ItemList<T> {
  items: T[] | null
}

export type CreateTenantBody = Schemas['CreateTenantInputBody']
export type UpdateTenantBody = Schemas['UpdateTenantInputBody']
export type CreateNodeBody = Schemas['CreateNodeInputBody']
export type CreateDepartmentBody = Schemas['CreateDepartmentInputBody']
export type UpdateDepartmentBody = Schemas['UpdateDepartmentInputBody']
export type CreateCategoryBody = Schemas['CreateCategoryInputBody']
export type UpdateCategoryBody = Schemas['UpdateCategoryInputBody']

// --- cases --------------------------------------------------------------------

export type Case = Schemas['CaseBody']
export type CaseStatus = Case['status']
export type CaseChannel = Case['channel']
export type CaseGrade = Case['grade']
/** A case with its timeline, summonses and photos; the server may encode those lists as null (the API layer makes them []). */
export type CaseDetail = Omit<Schemas['CaseDetailOutputBody'], 'timeline' | 'summons' | 'attachments' | 'allowed_actions' | 'my_actions'> & {
  /** What the caller may do now: lifecycle steps, "summon", "check_in". */
  my_actions: string[]
  timeline: CaseEvent[]
  summons: Summons[]
  attachments: Attachment[]
  allowed_actions: string[]
}
export type CaseEvent = Schemas['EventBody']
export type Summons = Schemas['SummonsBody']
export type Attachment = Schemas['AttachmentBody']
export type CaseInbox = Schemas['InboxOutputBody']
export type LedgerItem = Schemas['LedgerItemBody']
export type DispatchSuggestion = Schemas['SuggestionOutputBody']
/** The windows a dispatch of a category × grade gets; policy_id absent: the built-in default. */
export type Deadlines = Schemas['DeadlinesOutputBody']
export type DispatchRule = Schemas['RuleBody']
export type CaseSort = NonNullable<CaseFilter['sort']>
export type ReportCaseBody = Schemas['ReportCaseInputBody']
export type StepBody = Schemas['StepInputBody']
/** The list filters and order of list-cases (without the cursor and limit). */
export type CaseFilter = Omit<NonNullable<operations['list-cases']['parameters']['query']>, 'cursor' | 'limit'>
export type SummonBody = Schemas['SummonInputBody']
export type Notification = Schemas['NotificationBody']
export type NotificationKind = Notification['kind']
export interface NotificationPage {
  items: Notification[]
  unread: number
  next_cursor?: string
}
export interface CasePage {
  items: Case[]
  next_cursor?: string
}

// --- QR codes (码上办) -----------------------------------------------------------

/** A building's or grid's QR code: the token it holds and where its images are. */
export type QRCode = Schemas['QRCodeBody']

// --- residents (public, no sign-in) ------------------------------------------------

/** What a scanned code shows: the street, the place and its services, or only that it was replaced. */
export type Scan = Schemas['ScanOutputBody']
export type ScanService = Schemas['ServiceBody']

/** What a resident keeps after submitting: the tracking code and the status page. */
export type AppealReceipt = Schemas['ReceiptBody']
export type TrackingStatus = Schemas['TrackingBody']['status']
export type TrackingEvent = Schemas['PublicEventBody']
export type TrackingRating = Schemas['RatingBody']
/**
 * A case as the resident who filed it sees it: no staff names, no internal
 * data. The server encodes an empty timeline, and no rating, as null (the
 * public client makes the timeline []).
 */
export type Tracking = Omit<Schemas['TrackingBody'], 'timeline' | 'rating'> & {
  timeline: TrackingEvent[]
  rating: TrackingRating | null
}

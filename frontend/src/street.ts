// A street as the caller sees it: the street itself (or, when it may not be
// read as a whole, a stand-in built from the part of the tree the caller
// sees), the top of that part, and the permissions there. Shared by the
// street page and the case pages.
import { computed, ref, watch } from 'vue'
import { api } from './api'
import { ApiError } from './api/client'
import { toProblem } from './api/problem'
import type { Category, Department, Node, NodeDetail, Problem, Tenant } from './api/types'
import { myDepartmentIds, streetCasePermissions } from './cases'
import { can, union } from './permissions'
import { session } from './session'

function stubTenant(code: string): Tenant {
  return {
    id: 0,
    code,
    name: code,
    county_code: session.me?.county.code ?? code.slice(0, 6),
    status: 'active',
    created_at: '',
    node_counts: { community: 0, zone: 0, grid: 0, building: 0 },
    root_id: 0,
    reopen_window_days: 7, // the default; the street is not readable here anyway
    permissions: [],
  }
}

export function useStreet(code: () => string) {
  const tenant = ref<Tenant | null>(null)
  /** The street itself is not readable (403): the page is built from the part of the tree the caller sees. */
  const limited = ref(false)
  const problem = ref<Problem | null>(null)
  const notFound = ref(false)
  /** The top of the tree the caller sees: the street root, or e.g. a grid worker's grid. */
  const topNodes = ref<Node[]>([])
  /** Permissions at those top nodes: a community worker holds staff:read at the community, not street-wide. */
  const topPermissions = ref<string[]>([])
  const ready = ref(false)

  /** What the caller may do somewhere in the street (the server's lists). */
  const permissions = computed(() => union(tenant.value?.permissions, topPermissions.value))
  /** The same with what department roles give, which the server lists nowhere (department staff read and handle cases). */
  const casePermissions = computed(() => streetCasePermissions(session.me, code(), permissions.value))

  /** Reloads the street (counts, permissions) after a change in the tree. */
  async function refreshTenant() {
    if (limited.value) return
    try {
      tenant.value = await api.getTenant(code())
    } catch {
      // keep what is shown; the next action reports the problem
    }
  }

  async function loadReach(c: string) {
    try {
      topNodes.value = await api.rootNodes(c)
      const rootId = tenant.value?.root_id
      const details = await Promise.all(topNodes.value.filter((n) => n.id !== rootId).slice(0, 20).map((n) => api.getNode(c, n.id)))
      topPermissions.value = union(...details.map((d) => d.permissions))
      const street = details[0]?.path[0]
      if (limited.value && tenant.value && street?.kind === 'street') tenant.value = { ...tenant.value, name: street.name, root_id: street.id }
    } catch {
      topPermissions.value = []
    }
  }

  async function load() {
    const c = code()
    problem.value = null
    notFound.value = false
    limited.value = false
    ready.value = false
    topNodes.value = []
    topPermissions.value = []
    try {
      tenant.value = await api.getTenant(c)
    } catch (e) {
      tenant.value = null
      if (e instanceof ApiError && e.status === 404) notFound.value = true
      else if (e instanceof ApiError && e.status === 403) {
        limited.value = true
        tenant.value = stubTenant(c)
      } else problem.value = toProblem(e)
    }
    if (tenant.value) await loadReach(c)
    if (c === code()) ready.value = true
  }

  watch(code, load, { immediate: true })

  return { tenant, limited, problem, notFound, topNodes, topPermissions, ready, permissions, casePermissions, load, refreshTenant }
}

/** A place as a case shows it: its name and the path above it; null when the caller may not read it. */
export interface Place {
  name: string
  path: string
  permissions: string[]
}

/**
 * The names a case list shows instead of ids: categories, departments and
 * places. Each is loaded once per street; what the caller may not read
 * (departments for a grid worker, places for department staff) stays
 * unnamed rather than failing the page.
 */
export function useCaseNames(code: () => string, street: Pick<ReturnType<typeof useStreet>, 'ready' | 'permissions'>) {
  const categories = ref<Category[]>([])
  const departments = ref<Department[]>([])
  const places = ref<Record<number, Place | null>>({})
  const pending = new Map<number, Promise<Place | null>>()

  /** Departments are read street-wide, or by department staff in their own right; a grid worker may not. */
  const departmentsReadable = () =>
    can(street.permissions.value, 'department:read') || myDepartmentIds(session.me, code()).length > 0

  async function load() {
    const c = code()
    pending.clear()
    places.value = {}
    if (!street.ready.value) return
    const [cats, deps] = await Promise.allSettled([
      api.listCategories(c),
      departmentsReadable() ? api.listDepartments(c) : Promise.resolve([] as Department[]),
    ])
    if (c !== code()) return
    categories.value = cats.status === 'fulfilled' ? cats.value : []
    departments.value = deps.status === 'fulfilled' ? deps.value : []
  }

  const categoryName = (id: number | undefined) => (id ? (categories.value.find((x) => x.id === id)?.name ?? `#${id}`) : '')
  const departmentName = (id: number | undefined) => (id ? (departments.value.find((x) => x.id === id)?.name ?? `#${id}`) : '')

  function toPlace(d: NodeDetail): Place {
    return { name: d.name, path: d.path.map((p) => p.name).join(' / '), permissions: d.permissions ?? [] }
  }

  /** The place of a node, loaded once; null when it cannot be read. */
  function place(id: number): Promise<Place | null> {
    let p = pending.get(id)
    if (!p) {
      const c = code()
      p = api.getNode(c, id).then(
        (d) => toPlace(d),
        () => null,
      )
      p.then((v) => {
        if (c === code()) places.value = { ...places.value, [id]: v }
      })
      pending.set(id, p)
    }
    return p
  }

  /** Loads the places of these nodes, a few at a time. */
  async function resolvePlaces(ids: readonly number[]) {
    const missing = [...new Set(ids)].filter((id) => !pending.has(id))
    for (let i = 0; i < missing.length; i += 6) await Promise.all(missing.slice(i, i + 6).map(place))
  }

  watch([code, street.ready], load, { immediate: true })

  return { categories, departments, places, categoryName, departmentName, place, resolvePlaces, reload: load }
}

import { ElMessage } from 'element-plus'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { problemMessage, toProblem } from './api/problem'
import type { Problem } from './api/types'
import { confirmAction, promptName } from './dialogs'

interface Entry {
  id: number
  name: string
  sort: number
}

interface Patch {
  name?: string | null
  sort?: number | null
  archived?: boolean | null
}

/**
 * The editable list behind the departments and categories tabs: loading,
 * renaming, archiving, restoring and reordering one street's entries.
 * prefix names the i18n keys (`${prefix}.renamePrompt`, `${prefix}.archiveConfirm`).
 */
export function useCatalogue<T extends Entry, B extends Patch>(
  prefix: string,
  list: () => Promise<T[]>,
  save: (id: number, body: B) => Promise<T>,
) {
  const { t } = useI18n()
  const items = ref<T[]>([])
  const loading = ref(false)
  const problem = ref<Problem | null>(null)

  async function load() {
    loading.value = true
    problem.value = null
    try {
      items.value = (await list()) as typeof items.value
    } catch (e) {
      problem.value = toProblem(e)
    } finally {
      loading.value = false
    }
  }

  function replace(updated: T) {
    items.value = items.value.map((x) => (x.id === updated.id ? updated : x)) as typeof items.value
  }

  async function update(x: T, body: B) {
    try {
      replace(await save(x.id, body))
      return true
    } catch (e) {
      ElMessage.error(problemMessage(e))
      return false
    }
  }

  function rename(x: T) {
    return promptName(t(`${prefix}.renamePrompt`), x.name, async (name) => {
      replace(await save(x.id, { name } as B))
      ElMessage.success(t('common.renamed'))
    })
  }

  function archive(x: T) {
    return confirmAction(t('common.archive'), t(`${prefix}.archiveConfirm`, { name: x.name }), t('common.archive'), async () => {
      replace(await save(x.id, { archived: true } as B))
      ElMessage.success(t('common.archivedNamed', { name: x.name }))
    })
  }

  async function restore(x: T) {
    if (await update(x, { archived: false } as B)) ElMessage.success(t('common.restoredNamed', { name: x.name }))
  }

  async function setSort(x: T, sort: number | undefined) {
    if (sort === undefined || sort === x.sort) return
    await update(x, { sort } as B)
  }

  return { items, loading, problem, load, update, rename, archive, restore, setSort }
}

// Message-box helpers: the action runs while the confirm button spins, and on
// failure the box stays open with the reason, so the user can fix and retry.
import { ElMessage, ElMessageBox, type Action, type MessageBoxState } from 'element-plus'
import { problemMessage } from './api/problem'
import { i18n } from './i18n'

function confirmWith(run: (box: MessageBoxState) => Promise<void>) {
  return async (action: Action, box: MessageBoxState, done: () => void) => {
    if (action !== 'confirm') return done()
    box.confirmButtonLoading = true
    try {
      await run(box)
      done()
    } catch (e) {
      ElMessage.error(problemMessage(e))
    } finally {
      box.confirmButtonLoading = false
    }
  }
}

/** Asks for a new name; resolves once save() succeeded, or quietly when cancelled. */
export async function promptName(message: string, current: string, save: (name: string) => Promise<void>): Promise<void> {
  const { t } = i18n.global
  await ElMessageBox.prompt(message, t('common.rename'), {
    inputValue: current,
    inputValidator: (v: string) => v.trim() !== '' || t('common.nameRequired'),
    confirmButtonText: t('common.save'),
    cancelButtonText: t('common.cancel'),
    beforeClose: confirmWith((box) => save(box.inputValue.trim())),
  }).catch(() => {})
}

/** Asks before a destructive action; resolves once run() succeeded, or quietly when cancelled. */
export async function confirmAction(title: string, message: string, confirmText: string, run: () => Promise<void>): Promise<void> {
  const { t } = i18n.global
  await ElMessageBox.confirm(message, title, {
    type: 'warning',
    confirmButtonText: confirmText,
    cancelButtonText: t('common.cancel'),
    confirmButtonClass: 'el-button--danger',
    beforeClose: confirmWith(() => run()),
  }).catch(() => {})
}

// Message-box helpers: the action runs while the confirm button spins, and on
// failure the box stays open with the reason, so the user can fix and retry.
import { ElMessage, ElMessageBox, type Action, type MessageBoxState } from 'element-plus'
import { h } from 'vue'
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

/**
 * Asks before an action, by default a destructive one (a red button); resolves
 * once run() succeeded, or quietly when cancelled.
 */
export async function confirmAction(
  title: string,
  message: string,
  confirmText: string,
  run: () => Promise<void>,
  { danger = true }: { danger?: boolean } = {},
): Promise<void> {
  const { t } = i18n.global
  await ElMessageBox.confirm(message, title, {
    type: danger ? 'warning' : 'info',
    confirmButtonText: confirmText,
    cancelButtonText: t('common.cancel'),
    confirmButtonClass: danger ? 'el-button--danger' : undefined,
    beforeClose: confirmWith(() => run()),
  }).catch(() => {})
}

/**
 * An invitation whose role was granted but for which no sign-in code could be
 * made (503): what to do next, and the server's own detail.
 */
export async function alertGrantedWithoutCode(name: string, detail: string): Promise<void> {
  const { t } = i18n.global
  const message = h('div', { 'data-testid': 'invite-no-code' }, [
    h('p', { class: 'problem-alert__detail' }, t('staff.grantedWithoutCode', { name })),
    h('p', { class: 'form-hint' }, detail),
  ])
  await ElMessageBox.alert(message, t('staff.grantedWithoutCodeTitle'), {
    type: 'warning',
    confirmButtonText: t('common.close'),
  }).catch(() => {})
}

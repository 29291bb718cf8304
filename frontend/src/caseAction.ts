// One step on a case from a dialog: the busy flag, and what a refusal
// shows: field errors for a 422, the step's own wording for a 409 or 403
// (and, for a 409, that the case changed under the user).
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from './api/client'
import { stepProblem } from './cases'
import { useFormProblem } from './formProblem'

export function useCaseAction<F extends string>(fields: readonly F[], onConflict: () => void) {
  const { t } = useI18n()
  const form = useFormProblem(fields)
  const busy = ref(false)

  /** Runs the call; resolves to its result, or to undefined when it was refused (the refusal is shown). */
  async function run<T>(call: () => Promise<T>): Promise<{ value: T } | undefined> {
    busy.value = true
    try {
      return { value: await call() }
    } catch (e) {
      form.show(e)
      if (e instanceof ApiError && (e.status === 409 || e.status === 403)) form.problem.value = stepProblem(e, t)
      if (e instanceof ApiError && e.status === 409) onConflict()
      return undefined
    } finally {
      busy.value = false
    }
  }

  return { ...form, busy, run }
}

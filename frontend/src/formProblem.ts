// Server-side validation state of a form: per-field messages from a 422
// problem, plus the problem itself when something is left to say.
import { reactive, ref } from 'vue'
import { ApiError } from './api/client'
import { fieldErrors, toProblem } from './api/problem'
import type { Problem } from './api/types'

export function useFormProblem<F extends string>(fields: readonly F[]) {
  const fieldError = reactive(Object.fromEntries(fields.map((f) => [f, '']))) as Record<F, string>
  const problem = ref<Problem | null>(null)
  const messages = ref<string[]>([])

  function reset() {
    for (const f of fields) fieldError[f] = ''
    problem.value = null
    messages.value = []
  }

  function show(e: unknown) {
    reset()
    problem.value = toProblem(e)
    if (!(e instanceof ApiError) || e.status !== 422) return
    const { byField, other } = fieldErrors(e.problem, fields)
    for (const f of fields) fieldError[f] = byField[f] ?? ''
    messages.value = other
    // When every message sits next to its field, the alert would only repeat "validation failed".
    if (!other.length && Object.keys(byField).length) problem.value = null
  }

  return { fieldError, problem, messages, reset, show }
}

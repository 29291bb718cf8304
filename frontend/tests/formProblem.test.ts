import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/api/client'
import { useFormProblem } from '../src/formProblem'

describe('useFormProblem', () => {
  it('puts 422 messages next to their fields and drops the redundant alert', () => {
    const f = useFormProblem(['code', 'name'])
    f.show(new ApiError(422, { title: 'Unprocessable Entity', errors: [{ location: 'body.code', message: 'taken' }] }))
    expect(f.fieldError).toEqual({ code: 'taken', name: '' })
    expect(f.problem.value).toBeNull()
  })

  it('keeps the alert for messages that belong to no field', () => {
    const f = useFormProblem(['code'])
    f.show(new ApiError(422, { title: 'Unprocessable Entity', detail: 'bad', errors: [{ location: 'body', message: 'malformed' }] }))
    expect(f.problem.value?.detail).toBe('bad')
    expect(f.messages.value).toEqual(['body: malformed'])
  })

  it('shows other failures as a problem and resets cleanly', () => {
    const f = useFormProblem(['code'])
    f.show(new ApiError(409, { title: 'Conflict', detail: 'code already exists' }))
    expect(f.problem.value?.title).toBe('Conflict')
    expect(f.fieldError.code).toBe('')
    f.reset()
    expect(f.problem.value).toBeNull()
  })
})

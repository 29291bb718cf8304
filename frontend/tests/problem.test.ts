import { describe, expect, it } from 'vitest'
import { ApiError, parseProblem } from '../src/api/client'
import { errorRows, fieldErrors, parseLocation, problemMessage } from '../src/api/problem'

describe('parseLocation', () => {
  it.each([
    ['file[12].parent_code', { line: 12, column: 'parent_code' }],
    ['file[3].level', { line: 3, column: 'level' }],
    ['file[7]', { line: 7, column: '' }],
    ['file', { line: null, column: '' }],
    ['body.name', { line: null, column: 'name' }],
    ['', { line: null, column: '' }],
  ])('%s', (location, expected) => {
    expect(parseLocation(location)).toEqual(expected)
  })

  it('treats a missing location as neither line nor column', () => {
    expect(parseLocation(undefined)).toEqual({ line: null, column: '' })
  })
})

describe('errorRows', () => {
  it('turns problem errors into report rows ordered by line', () => {
    const rows = errorRows({
      title: 'Unprocessable Entity',
      status: 422,
      errors: [
        { location: 'file[12].parent_code', message: 'parent code 371326001099 not found', value: '371326001099' },
        { location: 'file[3].level', message: 'unknown level', value: 'village_x' },
        { location: 'file', message: 'duplicate code', value: 42 },
      ],
    })
    expect(rows).toEqual([
      { line: null, column: '', message: 'duplicate code', value: '42' },
      { line: 3, column: 'level', message: 'unknown level', value: 'village_x' },
      { line: 12, column: 'parent_code', message: 'parent code 371326001099 not found', value: '371326001099' },
    ])
  })

  it('is empty for problems without errors', () => {
    expect(errorRows({ title: 'Payload Too Large', status: 413 })).toEqual([])
    expect(errorRows({ title: 'Bad Request', errors: null })).toEqual([])
  })
})

describe('fieldErrors', () => {
  it('maps body locations to form fields and keeps the rest', () => {
    const { byField, other } = fieldErrors(
      {
        errors: [
          { location: 'body.code', message: 'expected length 9' },
          { location: 'body.code', message: 'must be digits' },
          { location: 'body.name', message: 'required' },
          { location: 'body.other', message: 'odd' },
          { message: 'no location' },
        ],
      },
      ['code', 'name'],
    )
    expect(byField).toEqual({ code: 'expected length 9; must be digits', name: 'required' })
    expect(other).toEqual(['body.other: odd', 'no location'])
  })
})

describe('parseProblem', () => {
  it('reads a problem+json body', () => {
    expect(parseProblem(422, 'Unprocessable Entity', '{"title":"Unprocessable Entity","detail":"bad"}')).toEqual({
      status: 422,
      title: 'Unprocessable Entity',
      detail: 'bad',
    })
  })

  it('keeps plain-text bodies as the detail and drops HTML', () => {
    expect(parseProblem(413, 'Payload Too Large', 'http: request body too large\n')).toEqual({
      status: 413,
      title: 'Payload Too Large',
      detail: 'http: request body too large',
    })
    expect(parseProblem(502, 'Bad Gateway', '<html>…</html>')).toEqual({ status: 502, title: 'Bad Gateway', detail: undefined })
  })
})

describe('problemMessage', () => {
  it('prefers the detail and appends error messages', () => {
    const e = new ApiError(422, { title: 'Unprocessable Entity', detail: 'validation failed', errors: [{ message: 'name is required' }] })
    expect(problemMessage(e)).toBe('validation failed; name is required')
    expect(problemMessage(new Error('boom'))).toBe('boom')
  })
})

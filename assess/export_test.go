package assess

// StatementSQL exposes the county statement for one or two periods, so the
// benchmark can show its plan.
func StatementSQL(periods int) string { return countyStatements[periods-1].sql }

// RelevantUntil exposes the expression migration 013 indexes.
const RelevantUntil = relevantUntil

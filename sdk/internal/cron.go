package internal

// HasLastCompletionResult reports whether a previous run of this cron
// workflow completed with a result.
func HasLastCompletionResult(ctx Context) bool {
	return len(executionOf(ctx, "HasLastCompletionResult").lastCompletionResult.GetPayloads()) > 0
}

// GetLastCompletionResult decodes the result of the previous completed run
// of this cron workflow into d; ErrNoData if there is none.
func GetLastCompletionResult(ctx Context, d ...any) error {
	e := executionOf(ctx, "GetLastCompletionResult")
	if len(e.lastCompletionResult.GetPayloads()) == 0 {
		return ErrNoData
	}
	return e.dc.FromPayloads(e.lastCompletionResult, d...)
}

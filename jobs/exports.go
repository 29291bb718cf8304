package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao/tenants"
)

// ExportArgs builds one export (package exports): a street's (TenantID) or a
// county-wide one (CountyID alone).
type ExportArgs struct {
	TenantID int64 `json:"tenant_id,omitempty" river:"unique"`
	CountyID int64 `json:"county_id,omitempty" river:"unique"`
	ExportID int64 `json:"export_id" river:"unique"`
}

// Kind is River's name for the job.
func (ExportArgs) Kind() string { return "export" }

// ExportAttempts is how often an export is tried before it is marked failed.
const ExportAttempts = 3

// InsertOpts makes an export's job unique and bounds its retries.
func (ExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: ExportAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ExportRunner builds the file of one export in its own scoped
// transactions. final says this is the last attempt: a failure then marks
// the export failed with its message.
type ExportRunner func(ctx context.Context, db *tenants.DB, a ExportArgs, final bool) error

var (
	exportRunnerMu sync.RWMutex
	exportRunner   ExportRunner
)

// HandleExports installs the runner of export jobs. Package exports calls
// it when it is linked in (it imports this package, so it cannot be
// imported from here).
func HandleExports(run ExportRunner) {
	exportRunnerMu.Lock()
	exportRunner = run
	exportRunnerMu.Unlock()
}

// ExportWorker builds exports. Run overrides the installed runner (tests).
type ExportWorker struct {
	river.WorkerDefaults[ExportArgs]
	DB  *tenants.DB
	Run ExportRunner
}

// Timeout lets a large export run: River's default is one minute.
func (w *ExportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return 30 * time.Minute }

// Work builds one export.
func (w *ExportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	a := job.Args
	if a.ExportID == 0 || (a.TenantID == 0) == (a.CountyID == 0) {
		return river.JobCancel(fmt.Errorf("invalid export job args %+v", a))
	}
	run := w.Run
	if run == nil {
		exportRunnerMu.RLock()
		run = exportRunner
		exportRunnerMu.RUnlock()
	}
	if run == nil {
		return river.JobCancel(fmt.Errorf("export %d: no export runner installed (package exports is not linked in)", a.ExportID))
	}
	final := job.JobRow == nil || job.Attempt >= job.MaxAttempts
	if err := run(ctx, w.DB, a, final); err != nil {
		if final {
			return river.JobCancel(fmt.Errorf("export %d: %w", a.ExportID, err))
		}
		return fmt.Errorf("export %d: %w", a.ExportID, err)
	}
	return nil
}

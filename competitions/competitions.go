// Package competitions runs the county's observation competitions (观摩评比):
// the county sets one up (participants, weighted criteria, judges), judges
// score each participant on each criterion from a phone until it is
// locked, a River job (jobs.CompetitionScoringWorker, arithmetic in
// competitions/scoring) computes trimmed means, weighted totals and ranks,
// and the county publishes the result, which then never changes.
//
// Competitions are county rows (infra/migrations/012_competitions.sql):
// every query runs in a scope carrying the county, and row-level security
// keeps each county to its own. Within the county, this package enforces
// who may do what:
//   - only the county's administrators set up and move a competition along
//     (the API checks competition:write);
//   - a judge scores only competitions they judge, only while open, and
//     sees only their own scores until the results are published;
//   - after publication the results and per-criterion means are visible to
//     county staff and judges; before it, administrators alone preview a
//     scored result;
//   - every score change is written to competition_score_events, which the
//     app role can only INSERT into and read.
package competitions

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/competitions/scoring"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// Status is where a competition stands: draft → open → locked → scoring →
// scored → published.
type Status string

const (
	Draft     Status = "draft"     // being set up
	Open      Status = "open"      // judges score and revise
	Locked    Status = "locked"    // scores frozen; ready to compute
	Scoring   Status = "scoring"   // the River job is computing (progress)
	Scored    Status = "scored"    // results computed; administrators preview them
	Published Status = "published" // results public to county staff and judges; final
)

// Service is the competitions' domain.
type Service struct {
	db   *tenants.DB
	jobs jobs.Inserter
}

// NewService builds the service on the app pool.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

// WithJobs sets the River client that inserts the scoring job.
func (s *Service) WithJobs(ins jobs.Inserter) *Service { s.jobs = ins; return s }

// Competition is one competition with its set-up.
type Competition struct {
	ID                    int64
	Name                  string
	Status                Status
	DropExtremesMinJudges int
	Progress              int
	ScoringError          string
	CreatedBy             string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	OpenedAt              *time.Time
	LockedAt              *time.Time
	ScoredAt              *time.Time
	PublishedAt           *time.Time
	Participants          []Participant
	Criteria              []Criterion
	Judges                []Judge
}

// Participant is a street, or a community/village of a street.
type Participant struct {
	ID       int64
	StreetID int64
	NodeID   *int64
	Name     string
	Sort     int
}

// Criterion is a scored aspect with its weight and maximum score.
type Criterion struct {
	ID       int64
	Name     string
	Weight   float64
	MaxScore float64
	Sort     int
}

// Judge is a county member of staff holding the judge role.
type Judge struct {
	IdentityID string
	Name       string
}

// Actor is who calls: their identity (empty for an API key), name,
// whether they administer competitions in the county, and whether they
// are county staff reading across it (administrators and viewers).
type Actor struct {
	IdentityID string
	Name       string
	Admin      bool
	Staff      bool
}

func scope(countyID int64, by Actor) tenants.Scope {
	return tenants.Scope{CountyID: countyID, IdentityID: by.IdentityID}
}

// NewCompetition is what the county gives to create one.
type NewCompetition struct {
	Name                  string
	DropExtremesMinJudges int // 0: the default, 5
}

func (n *NewCompetition) validate() []fengqiao.FieldError {
	var p []fengqiao.FieldError
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || len([]rune(n.Name)) > 200 {
		p = append(p, fengqiao.FieldError{Location: "body.name", Message: "give a name of 1 to 200 characters", Value: n.Name})
	}
	if n.DropExtremesMinJudges == 0 {
		n.DropExtremesMinJudges = scoring.DefaultDropExtremesMinJudges
	}
	if n.DropExtremesMinJudges < 3 || n.DropExtremesMinJudges > 100 {
		p = append(p, fengqiao.FieldError{Location: "body.drop_extremes_min_judges", Message: "must be 3 to 100 (the highest and lowest are dropped only with at least this many scores)", Value: n.DropExtremesMinJudges})
	}
	return p
}

func invalid(msg string, fields []fengqiao.FieldError) error {
	return &fengqiao.Error{Code: fengqiao.EINVALID, Message: msg, Fields: fields}
}

const competitionColumns = `id, name, status, drop_extremes_min_judges, progress, scoring_error, created_by, created_at, updated_at,
	opened_at, locked_at, scored_at, published_at`

func competitionFields(c *Competition) []any {
	return []any{&c.ID, &c.Name, &c.Status, &c.DropExtremesMinJudges, &c.Progress, &c.ScoringError, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt,
		&c.OpenedAt, &c.LockedAt, &c.ScoredAt, &c.PublishedAt}
}

// Create starts a competition in draft.
func (s *Service) Create(ctx context.Context, countyID int64, by Actor, in NewCompetition) (Competition, error) {
	if p := in.validate(); len(p) > 0 {
		return Competition{}, invalid("invalid competition", p)
	}
	var c Competition
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO competitions (county_id, name, drop_extremes_min_judges, created_by) VALUES ($1, $2, $3, $4)
			RETURNING `+competitionColumns, countyID, in.Name, in.DropExtremesMinJudges, by.Name).Scan(competitionFields(&c)...)
	})
	if err != nil {
		return Competition{}, fmt.Errorf("create competition: %w", err)
	}
	return c, nil
}

// Update renames a draft competition or changes its trim rule, and returns
// it as by then sees it.
func (s *Service) Update(ctx context.Context, countyID int64, by Actor, id int64, in NewCompetition) (Competition, error) {
	if p := in.validate(); len(p) > 0 {
		return Competition{}, invalid("invalid competition", p)
	}
	var c Competition
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, "change its settings", Draft); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE competitions SET name = $3, drop_extremes_min_judges = $4, updated_at = now()
			WHERE county_id = $1 AND id = $2`, countyID, id, in.Name, in.DropExtremesMinJudges); err != nil {
			return err
		}
		var err error
		c, err = get(ctx, tx, countyID, by, id)
		return err
	})
	if err != nil {
		return Competition{}, fmt.Errorf("update competition %d: %w", id, err)
	}
	return c, nil
}

// lock reads a competition's status, locking its row: FOR UPDATE for a
// change of the competition itself, FOR SHARE for a score (many judges
// score at once; locking the competition waits for them).
func lockStatus(ctx context.Context, tx pgx.Tx, countyID, id int64, mode string) (Status, error) {
	var st Status
	err := tx.QueryRow(ctx, `SELECT status FROM competitions WHERE county_id = $1 AND id = $2 FOR `+mode, countyID, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fengqiao.Errorf(fengqiao.ENOTFOUND, "competition %d not found", id)
	}
	return st, err
}

// requireStatus locks the competition and checks it is in one of the
// allowed states; otherwise 409 naming them.
func requireStatus(ctx context.Context, tx pgx.Tx, countyID, id int64, what string, allowed ...Status) error {
	st, err := lockStatus(ctx, tx, countyID, id, "UPDATE")
	if err != nil {
		return err
	}
	for _, a := range allowed {
		if st == a {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return fengqiao.Errorf(fengqiao.ECONFLICT, "a %s competition cannot %s; only a %s one can", st, what, strings.Join(names, " or "))
}

// List is every competition of the county, newest first, without set-up.
func (s *Service) List(ctx context.Context, countyID int64, by Actor) ([]Competition, error) {
	var out []Competition
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE county_id = $1 ORDER BY created_at DESC, id DESC`, countyID)
		if err != nil {
			return err
		}
		var c Competition
		_, err = pgx.ForEachRow(rows, competitionFields(&c), func() error { out = append(out, c); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list competitions: %w", err)
	}
	if out == nil {
		out = []Competition{}
	}
	return out, nil
}

// Judging lists the competitions the caller judges, newest first.
func (s *Service) Judging(ctx context.Context, countyID int64, by Actor) ([]Competition, error) {
	out := []Competition{}
	if by.IdentityID == "" {
		return out, nil
	}
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+competitionColumns+` FROM competitions c WHERE county_id = $1 AND status <> 'draft'
			AND EXISTS (SELECT 1 FROM competition_judges j WHERE j.county_id = c.county_id AND j.competition_id = c.id AND j.identity_id = $2)
			ORDER BY created_at DESC, id DESC`, countyID, by.IdentityID)
		if err != nil {
			return err
		}
		var c Competition
		_, err = pgx.ForEachRow(rows, competitionFields(&c), func() error { out = append(out, c); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list judged competitions: %w", err)
	}
	return out, nil
}

// Get is one competition with its participants, criteria and judges. A
// caller who is neither county staff nor one of its judges gets 404.
func (s *Service) Get(ctx context.Context, countyID int64, by Actor, id int64) (Competition, error) {
	var c Competition
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		var err error
		c, err = get(ctx, tx, countyID, by, id)
		return err
	})
	if err != nil {
		return Competition{}, fmt.Errorf("get competition %d: %w", id, err)
	}
	return c, nil
}

func get(ctx context.Context, tx pgx.Tx, countyID int64, by Actor, id int64) (Competition, error) {
	var c Competition
	err := tx.QueryRow(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE county_id = $1 AND id = $2`, countyID, id).Scan(competitionFields(&c)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fengqiao.Errorf(fengqiao.ENOTFOUND, "competition %d not found", id)
	}
	if err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `SELECT id, street_id, node_id, name, sort FROM competition_participants
		WHERE county_id = $1 AND competition_id = $2 ORDER BY sort, id`, countyID, id)
	if err != nil {
		return c, err
	}
	if c.Participants, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Participant]); err != nil {
		return c, err
	}
	rows, err = tx.Query(ctx, `SELECT id, name, weight::float8, max_score::float8, sort FROM competition_criteria
		WHERE county_id = $1 AND competition_id = $2 ORDER BY sort, id`, countyID, id)
	if err != nil {
		return c, err
	}
	if c.Criteria, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Criterion]); err != nil {
		return c, err
	}
	rows, err = tx.Query(ctx, `SELECT identity_id::text, name FROM competition_judges
		WHERE county_id = $1 AND competition_id = $2 ORDER BY added_at, name`, countyID, id)
	if err != nil {
		return c, err
	}
	if c.Judges, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Judge]); err != nil {
		return c, err
	}
	if !by.Admin && !by.Staff && !c.isJudge(by.IdentityID) {
		return Competition{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "competition %d not found", id)
	}
	return c, nil
}

func (c Competition) isJudge(identityID string) bool {
	if identityID == "" {
		return false
	}
	for _, j := range c.Judges {
		if j.IdentityID == identityID {
			return true
		}
	}
	return false
}

// NewParticipant names a street, or a community/village (node) of it.
type NewParticipant struct {
	StreetID int64
	NodeID   int64 // 0: the street itself
}

// AddParticipant adds a street or one of its communities to a draft.
func (s *Service) AddParticipant(ctx context.Context, countyID int64, by Actor, id int64, in NewParticipant) (Participant, error) {
	var p Participant
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, "change its participants", Draft); err != nil {
			return err
		}
		var street string
		err := tx.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1 AND county_id = $2`, in.StreetID, countyID).Scan(&street)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Invalid("body.street_id", "no such street in this county", in.StreetID)
		}
		if err != nil {
			return err
		}
		name := street
		var node *int64
		if in.NodeID != 0 {
			var kind, nodeName string
			err := tx.QueryRow(ctx, `SELECT kind, name FROM org_nodes WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL`, in.StreetID, in.NodeID).
				Scan(&kind, &nodeName)
			if errors.Is(err, pgx.ErrNoRows) {
				return fengqiao.Invalid("body.node_id", "no such community or village in this street", in.NodeID)
			}
			if err != nil {
				return err
			}
			if kind != "community" {
				return fengqiao.Invalid("body.node_id", "a participant is a street or a community/village, not a "+kind, in.NodeID)
			}
			name, node = street+" "+nodeName, &in.NodeID
		}
		err = tx.QueryRow(ctx, `INSERT INTO competition_participants (county_id, competition_id, street_id, node_id, name, sort)
			VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(sort), 0) + 1 FROM competition_participants WHERE county_id = $1 AND competition_id = $2))
			RETURNING id, street_id, node_id, name, sort`, countyID, id, in.StreetID, node, name).
			Scan(&p.ID, &p.StreetID, &p.NodeID, &p.Name, &p.Sort)
		if isUnique(err) {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "%s already takes part", name)
		}
		return err
	})
	if err != nil {
		return Participant{}, fmt.Errorf("add participant to competition %d: %w", id, err)
	}
	return p, nil
}

// NewCriterion is a criterion to add.
type NewCriterion struct {
	Name     string
	Weight   float64
	MaxScore float64
}

// AddCriterion adds a criterion to a draft.
func (s *Service) AddCriterion(ctx context.Context, countyID int64, by Actor, id int64, in NewCriterion) (Criterion, error) {
	in.Name = strings.TrimSpace(in.Name)
	var p []fengqiao.FieldError
	if in.Name == "" || len([]rune(in.Name)) > 200 {
		p = append(p, fengqiao.FieldError{Location: "body.name", Message: "give a name of 1 to 200 characters", Value: in.Name})
	}
	if !(in.Weight > 0 && in.Weight <= 1000) || math.IsNaN(in.Weight) {
		p = append(p, fengqiao.FieldError{Location: "body.weight", Message: "must be more than 0 and at most 1000", Value: in.Weight})
	}
	if !(in.MaxScore > 0 && in.MaxScore <= 1000) || math.IsNaN(in.MaxScore) {
		p = append(p, fengqiao.FieldError{Location: "body.max_score", Message: "must be more than 0 and at most 1000", Value: in.MaxScore})
	}
	if len(p) > 0 {
		return Criterion{}, invalid("invalid criterion", p)
	}
	var c Criterion
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, "change its criteria", Draft); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO competition_criteria (county_id, competition_id, name, weight, max_score, sort)
			VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(sort), 0) + 1 FROM competition_criteria WHERE county_id = $1 AND competition_id = $2))
			RETURNING id, name, weight::float8, max_score::float8, sort`, countyID, id, in.Name, in.Weight, in.MaxScore).
			Scan(&c.ID, &c.Name, &c.Weight, &c.MaxScore, &c.Sort)
		if isUnique(err) {
			return fengqiao.Invalid("body.name", "the competition has a criterion of this name already", in.Name)
		}
		return err
	})
	if err != nil {
		return Criterion{}, fmt.Errorf("add criterion to competition %d: %w", id, err)
	}
	return c, nil
}

// AddJudge makes a county member of staff with the judge role a judge.
func (s *Service) AddJudge(ctx context.Context, countyID int64, by Actor, id int64, identityID string) (Judge, error) {
	var j Judge
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, "change its judges", Draft); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT s.identity_id::text, s.name FROM staff s JOIN county_memberships m
				ON m.identity_id = s.identity_id AND m.county_id = $1 AND m.role = 'judge'
			WHERE s.county_id = $1 AND s.identity_id::text = $2`, countyID, identityID).Scan(&j.IdentityID, &j.Name)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Invalid("body.identity_id", "no member of this county's staff with the judge role has this id", identityID)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO competition_judges (county_id, competition_id, identity_id, name) VALUES ($1, $2, $3, $4)`,
			countyID, id, j.IdentityID, j.Name)
		if isUnique(err) {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "%s judges this competition already", j.Name)
		}
		return err
	})
	if err != nil {
		return Judge{}, fmt.Errorf("add judge to competition %d: %w", id, err)
	}
	return j, nil
}

// Remove takes a participant, criterion or judge out of a draft.
func (s *Service) Remove(ctx context.Context, countyID int64, by Actor, id int64, what string, key string) error {
	tables := map[string]string{"participant": `DELETE FROM competition_participants WHERE county_id = $1 AND competition_id = $2 AND id::text = $3`,
		"criterion": `DELETE FROM competition_criteria WHERE county_id = $1 AND competition_id = $2 AND id::text = $3`,
		"judge":     `DELETE FROM competition_judges WHERE county_id = $1 AND competition_id = $2 AND identity_id::text = $3`}
	sql, ok := tables[what]
	if !ok {
		return fmt.Errorf("remove %s: unknown kind", what)
	}
	return s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, "change its set-up", Draft); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sql, countyID, id, key)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "%s %s not found in competition %d", what, key, id)
		}
		return nil
	})
}

// Open lets the judges score: the set-up is frozen.
func (s *Service) Open(ctx context.Context, countyID int64, by Actor, id int64) (Competition, error) {
	return s.move(ctx, countyID, by, id, "open", []Status{Draft}, func(ctx context.Context, tx pgx.Tx) error {
		c, err := get(ctx, tx, countyID, Actor{Admin: true}, id)
		if err != nil {
			return err
		}
		var p []fengqiao.FieldError
		if len(c.Participants) == 0 {
			p = append(p, fengqiao.FieldError{Location: "participants", Message: "add at least one participant"})
		}
		if len(c.Criteria) == 0 {
			p = append(p, fengqiao.FieldError{Location: "criteria", Message: "add at least one criterion"})
		}
		if len(c.Judges) == 0 {
			p = append(p, fengqiao.FieldError{Location: "judges", Message: "add at least one judge"})
		}
		if len(p) > 0 {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "the competition is not ready to open: %s", joinMessages(p))
		}
		_, err = tx.Exec(ctx, `UPDATE competitions SET status = 'open', opened_at = now(), updated_at = now() WHERE county_id = $1 AND id = $2`, countyID, id)
		return err
	})
}

func joinMessages(p []fengqiao.FieldError) string {
	m := make([]string, len(p))
	for i, f := range p {
		m[i] = f.Message
	}
	return strings.Join(m, "; ")
}

// Lock freezes the scores: judges can no longer revise them.
func (s *Service) Lock(ctx context.Context, countyID int64, by Actor, id int64) (Competition, error) {
	return s.move(ctx, countyID, by, id, "be locked", []Status{Open}, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE competitions SET status = 'locked', locked_at = now(), updated_at = now() WHERE county_id = $1 AND id = $2`, countyID, id)
		return err
	})
}

// StartScoring hands a locked competition to the scoring job. Missing
// scores refuse it (409 listing how many) unless force is set; a missing
// score is then left out of its mean.
func (s *Service) StartScoring(ctx context.Context, countyID int64, by Actor, id int64, force bool) (Competition, error) {
	return s.move(ctx, countyID, by, id, "be scored", []Status{Locked}, func(ctx context.Context, tx pgx.Tx) error {
		if !force {
			missing, err := missingScores(ctx, tx, countyID, id)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return fengqiao.Errorf(fengqiao.ECONFLICT, "%d scores are missing (first: %s on %s by %s); score anyway with force",
					len(missing), missing[0].Participant, missing[0].Criterion, missing[0].Judge)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE competitions SET status = 'scoring', progress = 0, scoring_error = '', updated_at = now()
			WHERE county_id = $1 AND id = $2`, countyID, id); err != nil {
			return err
		}
		var batch jobs.Batch
		batch.Add(jobs.CompetitionScoringArgs{CountyID: countyID, CompetitionID: id}, nil)
		return batch.Insert(ctx, tx, s.jobs)
	})
}

// Publish makes a scored result public and final.
func (s *Service) Publish(ctx context.Context, countyID int64, by Actor, id int64) (Competition, error) {
	return s.move(ctx, countyID, by, id, "be published", []Status{Scored}, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE competitions SET status = 'published', published_at = now(), updated_at = now() WHERE county_id = $1 AND id = $2`, countyID, id)
		return err
	})
}

// move runs one status change under the competition's row lock and
// returns the competition as it then is.
func (s *Service) move(ctx context.Context, countyID int64, by Actor, id int64, what string, from []Status, fn func(context.Context, pgx.Tx) error) (Competition, error) {
	var c Competition
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if err := requireStatus(ctx, tx, countyID, id, what, from...); err != nil {
			return err
		}
		if err := fn(ctx, tx); err != nil {
			return err
		}
		var err error
		c, err = get(ctx, tx, countyID, Actor{Admin: true}, id)
		return err
	})
	if err != nil {
		return Competition{}, fmt.Errorf("competition %d: %s: %w", id, what, err)
	}
	return c, nil
}

// Missing is a score a judge has not given.
type Missing struct {
	JudgeID       string
	Judge         string
	ParticipantID int64
	Participant   string
	CriterionID   int64
	Criterion     string
}

// MissingScores lists the scores not given yet (administrators only: it
// says who has scored what, not the scores).
func (s *Service) MissingScores(ctx context.Context, countyID int64, by Actor, id int64) ([]Missing, error) {
	var out []Missing
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if _, err := lockStatus(ctx, tx, countyID, id, "SHARE"); err != nil {
			return err
		}
		var err error
		out, err = missingScores(ctx, tx, countyID, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("missing scores of competition %d: %w", id, err)
	}
	return out, nil
}

func missingScores(ctx context.Context, tx pgx.Tx, countyID, id int64) ([]Missing, error) {
	rows, err := tx.Query(ctx, `SELECT j.identity_id::text, j.name, p.id, p.name, c.id, c.name
		FROM competition_judges j
		JOIN competition_participants p ON p.county_id = j.county_id AND p.competition_id = j.competition_id
		JOIN competition_criteria c ON c.county_id = j.county_id AND c.competition_id = j.competition_id
		WHERE j.county_id = $1 AND j.competition_id = $2
			AND NOT EXISTS (SELECT 1 FROM competition_scores s WHERE s.county_id = j.county_id AND s.competition_id = j.competition_id
				AND s.judge_id = j.identity_id AND s.participant_id = p.id AND s.criterion_id = c.id)
		ORDER BY p.sort, p.id, c.sort, c.id, j.name`, countyID, id)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Missing])
	if out == nil {
		out = []Missing{}
	}
	return out, err
}

func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/tenants"
)

// Observation competitions (观摩评比): county rows, so every operation is a
// county operation. The county's administrators (competition:write) set a
// competition up and move it along; judges (competition:score) score it;
// county staff and judges (competition:read) read the published result.

// CompetitionPath names a competition of the county.
type CompetitionPath struct {
	CountyPath
	ID int64 `path:"id" minimum:"1" doc:"competition id"`
}

// CompetitionBody is a competition without its set-up.
type CompetitionBody struct {
	ID                    int64      `json:"id"`
	Name                  string     `json:"name"`
	Status                string     `json:"status" enum:"draft,open,locked,scoring,scored,published" doc:"draft → open (judges score) → locked → scoring (the job runs) → scored → published"`
	DropExtremesMinJudges int        `json:"drop_extremes_min_judges" doc:"with at least this many scores, the highest and the lowest are dropped"`
	Progress              int        `json:"progress" doc:"the scoring job's progress, percent"`
	ScoringError          string     `json:"scoring_error,omitempty" doc:"why the last scoring run failed (it is retried)"`
	CreatedBy             string     `json:"created_by"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
	OpenedAt              *time.Time `json:"opened_at"`
	LockedAt              *time.Time `json:"locked_at"`
	ScoredAt              *time.Time `json:"scored_at"`
	PublishedAt           *time.Time `json:"published_at"`
}

// ParticipantBody is a street, or a community/village of a street.
type ParticipantBody struct {
	ID       int64  `json:"id"`
	StreetID int64  `json:"street_id"`
	NodeID   *int64 `json:"node_id" doc:"the community or village; null for the street itself"`
	Name     string `json:"name"`
	Sort     int    `json:"sort"`
}

// CriterionBody is a scored aspect.
type CriterionBody struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Weight   float64 `json:"weight" doc:"weighted total = Σ weight × trimmed mean; weights are not normalised"`
	MaxScore float64 `json:"max_score"`
	Sort     int     `json:"sort"`
}

// JudgeBody is a judge of the competition.
type JudgeBody struct {
	IdentityID string `json:"identity_id"`
	Name       string `json:"name"`
}

// CompetitionDetailBody is a competition with its set-up.
type CompetitionDetailBody struct {
	Competition   CompetitionBody   `json:"competition"`
	Participants  []ParticipantBody `json:"participants"`
	Criteria      []CriterionBody   `json:"criteria"`
	Judges        []JudgeBody       `json:"judges"`
	CanAdminister bool              `json:"can_administer" doc:"the caller sets up and moves the competition along"`
	IsJudge       bool              `json:"is_judge" doc:"the caller judges it"`
}

func competitionBody(c competitions.Competition) CompetitionBody {
	return CompetitionBody{ID: c.ID, Name: c.Name, Status: string(c.Status), DropExtremesMinJudges: c.DropExtremesMinJudges, Progress: c.Progress,
		ScoringError: c.ScoringError, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, OpenedAt: c.OpenedAt,
		LockedAt: c.LockedAt, ScoredAt: c.ScoredAt, PublishedAt: c.PublishedAt}
}

func participantBody(p competitions.Participant) ParticipantBody {
	return ParticipantBody{ID: p.ID, StreetID: p.StreetID, NodeID: p.NodeID, Name: p.Name, Sort: p.Sort}
}

func criterionBody(c competitions.Criterion) CriterionBody {
	return CriterionBody{ID: c.ID, Name: c.Name, Weight: c.Weight, MaxScore: c.MaxScore, Sort: c.Sort}
}

func competitionDetail(c competitions.Competition, by competitions.Actor) *competitionDetailOutput {
	out := &competitionDetailOutput{}
	b := &out.Body
	b.Competition, b.CanAdminister = competitionBody(c), by.Admin
	b.Participants, b.Criteria, b.Judges = []ParticipantBody{}, []CriterionBody{}, []JudgeBody{}
	for _, p := range c.Participants {
		b.Participants = append(b.Participants, participantBody(p))
	}
	for _, cr := range c.Criteria {
		b.Criteria = append(b.Criteria, criterionBody(cr))
	}
	for _, j := range c.Judges {
		b.Judges = append(b.Judges, JudgeBody{IdentityID: j.IdentityID, Name: j.Name})
		b.IsJudge = b.IsJudge || (by.IdentityID != "" && j.IdentityID == by.IdentityID)
	}
	return out
}

type competitionListOutput struct {
	Body struct {
		Items []CompetitionBody `json:"items"`
	}
}

func competitionList(list []competitions.Competition) *competitionListOutput {
	out := &competitionListOutput{}
	out.Body.Items = make([]CompetitionBody, len(list))
	for i, comp := range list {
		out.Body.Items[i] = competitionBody(comp)
	}
	return out
}

type competitionDetailOutput struct{ Body CompetitionDetailBody }

type competitionInput struct {
	CountyPath
	Body struct {
		Name                  string `json:"name" maxLength:"200" doc:"e.g. 2026年度平安建设观摩评比"`
		DropExtremesMinJudges int    `json:"drop_extremes_min_judges,omitempty" doc:"trim threshold; default 5"`
	}
}

type competitionUpdateInput struct {
	CompetitionPath
	Body struct {
		Name                  string `json:"name" maxLength:"200"`
		DropExtremesMinJudges int    `json:"drop_extremes_min_judges,omitempty" doc:"trim threshold; default 5"`
	}
}

type participantInput struct {
	CompetitionPath
	Body struct {
		StreetCode string `json:"street_code" pattern:"^[0-9]{9}$" doc:"the street (or the street of the community)"`
		NodeID     int64  `json:"node_id,omitempty" doc:"a community or village of that street; omit for the street itself"`
	}
}

type participantOutput struct{ Body ParticipantBody }

type criterionInput struct {
	CompetitionPath
	Body struct {
		Name     string  `json:"name" maxLength:"200"`
		Weight   float64 `json:"weight" doc:"more than 0; weights are not normalised"`
		MaxScore float64 `json:"max_score" doc:"the highest score a judge may give, more than 0"`
	}
}

type criterionOutput struct{ Body CriterionBody }

type judgeInput struct {
	CompetitionPath
	Body struct {
		IdentityID string `json:"identity_id" doc:"a member of the county's staff with the judge role"`
	}
}

type judgeOutput struct{ Body JudgeBody }

type participantPath struct {
	CompetitionPath
	ParticipantID int64 `path:"participantId" minimum:"1"`
}

type criterionPath struct {
	CompetitionPath
	CriterionID int64 `path:"criterionId" minimum:"1"`
}

type judgePath struct {
	CompetitionPath
	IdentityID string `path:"identityId" maxLength:"64"`
}

type scoringInput struct {
	CompetitionPath
	Body struct {
		Force bool `json:"force,omitempty" doc:"score even though some scores are missing (each missing score is left out of its mean)"`
	}
}

// MissingBody is a score a judge has not given.
type MissingBody struct {
	JudgeID       string `json:"judge_id"`
	Judge         string `json:"judge"`
	ParticipantID int64  `json:"participant_id"`
	Participant   string `json:"participant"`
	CriterionID   int64  `json:"criterion_id"`
	Criterion     string `json:"criterion"`
}

type missingOutput struct {
	Body struct {
		Items []MissingBody `json:"items"`
	}
}

// ScoreEventBody is one audited score change.
type ScoreEventBody struct {
	ID            int64     `json:"id"`
	ParticipantID int64     `json:"participant_id"`
	CriterionID   int64     `json:"criterion_id"`
	JudgeID       string    `json:"judge_id"`
	OldScore      *float64  `json:"old_score"`
	NewScore      float64   `json:"new_score"`
	ChangedBy     string    `json:"changed_by"`
	ChangedAt     time.Time `json:"changed_at"`
}

type scoreEventsOutput struct {
	Body struct {
		Items []ScoreEventBody `json:"items"`
	}
}

// ScoreBody is one of the caller's scores.
type ScoreBody struct {
	ParticipantID int64     `json:"participant_id"`
	CriterionID   int64     `json:"criterion_id"`
	Score         float64   `json:"score"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type sheetOutput struct {
	Body struct {
		CompetitionDetailBody
		Scores []ScoreBody `json:"scores" doc:"the caller's own scores only"`
	}
}

type scoreInput struct {
	CompetitionPath
	ParticipantID int64 `path:"participantId" minimum:"1"`
	CriterionID   int64 `path:"criterionId" minimum:"1"`
	Body          struct {
		Score float64 `json:"score" doc:"0 to the criterion's maximum; kept to 2 decimal places"`
	}
}

type scoreOutput struct{ Body ScoreBody }

// ResultBody is one participant's line of the result.
type ResultBody struct {
	Participant ParticipantBody `json:"participant"`
	Rank        int             `json:"rank" doc:"standard competition ranking: ties share a rank, the next skips (1, 2, 2, 4)"`
	Total       float64         `json:"total" doc:"Σ weight × trimmed mean"`
	Means       []MeanBody      `json:"means" doc:"in the order of the criteria"`
}

// MeanBody is a participant's trimmed mean on one criterion.
type MeanBody struct {
	CriterionID int64    `json:"criterion_id"`
	Mean        *float64 `json:"mean" doc:"null: nobody scored it (counts 0)"`
	Scores      int      `json:"scores" doc:"how many scores there were"`
	Trimmed     bool     `json:"trimmed" doc:"the highest and the lowest were dropped"`
}

type resultsOutput struct {
	Body struct {
		Competition CompetitionBody `json:"competition"`
		Criteria    []CriterionBody `json:"criteria"`
		Rows        []ResultBody    `json:"rows"`
	}
}

// competitionActor is the caller as the competitions see them.
func (s *Server) competitionActor(ctx context.Context, c tenants.County) competitions.Actor {
	p, _ := principalFrom(ctx)
	a := competitions.Actor{Name: p.Name, Admin: s.can(p, nil, []string{countyDomain(c.ID)}, need{Resource: "competition", Action: "write"}), Staff: p.countyWide()}
	if p.Credential == "session" {
		a.IdentityID = p.Subject
	} else {
		a.Name = "API key: " + p.Name
	}
	return a
}

func (s *Server) registerCompetitions(api huma.API) {
	tags := []string{"Competitions"}
	base := "/api/v1/counties/{countyCode}/competitions"
	read, write, score := need{Resource: "competition", Action: "read"}, need{Resource: "competition", Action: "write"}, need{Resource: "competition", Action: "score"}
	detail := func(ctx context.Context, c tenants.County, comp competitions.Competition, err error) (*competitionDetailOutput, error) {
		if err != nil {
			return nil, err
		}
		return competitionDetail(comp, s.competitionActor(ctx, c)), nil
	}

	countyOp(s, api, huma.Operation{
		OperationID: "list-competitions", Method: http.MethodGet, Path: base, Tags: tags,
		Summary:     "List the county's observation competitions (观摩评比)",
		Description: "County staff see every competition; a judge sees those they judge.",
	}, read, func(ctx context.Context, c tenants.County, in *CountyPath) (*competitionListOutput, error) {
		by := s.competitionActor(ctx, c)
		var list []competitions.Competition
		var err error
		if by.Admin || by.Staff {
			list, err = s.Competitions.List(ctx, c.ID, by)
		} else {
			list, err = s.Competitions.Judging(ctx, c.ID, by)
		}
		if err != nil {
			return nil, err
		}
		return competitionList(list), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "create-competition", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Create a competition (draft)",
	}, write, func(ctx context.Context, c tenants.County, in *competitionInput) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Create(ctx, c.ID, s.competitionActor(ctx, c), competitions.NewCompetition{Name: in.Body.Name, DropExtremesMinJudges: in.Body.DropExtremesMinJudges})
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "get-competition", Method: http.MethodGet, Path: base + "/{id}", Tags: tags,
		Summary: "Get a competition with its participants, criteria and judges", Description: "County staff and the competition's judges; 404 for anyone else.",
	}, read, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Get(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "update-competition", Method: http.MethodPatch, Path: base + "/{id}", Tags: tags,
		Summary: "Rename a draft competition or change its trim rule",
	}, write, func(ctx context.Context, c tenants.County, in *competitionUpdateInput) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Update(ctx, c.ID, s.competitionActor(ctx, c), in.ID,
			competitions.NewCompetition{Name: in.Body.Name, DropExtremesMinJudges: in.Body.DropExtremesMinJudges})
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "add-competition-participant", Method: http.MethodPost, Path: base + "/{id}/participants", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a street, or a community/village of one, as a participant (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *participantInput) (*participantOutput, error) {
		t, err := s.Tenants.TenantByCode(ctx, tenants.Scope{CountyID: c.ID}, in.Body.StreetCode)
		if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
			return nil, fengqiao.Invalid("body.street_code", "no such street in this county", in.Body.StreetCode)
		}
		if err != nil {
			return nil, err
		}
		p, err := s.Competitions.AddParticipant(ctx, c.ID, s.competitionActor(ctx, c), in.ID, competitions.NewParticipant{StreetID: t.ID, NodeID: in.Body.NodeID})
		if err != nil {
			return nil, err
		}
		return &participantOutput{Body: participantBody(p)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "remove-competition-participant", Method: http.MethodDelete, Path: base + "/{id}/participants/{participantId}", Tags: tags,
		DefaultStatus: http.StatusNoContent, Summary: "Remove a participant (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *participantPath) (*struct{}, error) {
		return nil, s.Competitions.Remove(ctx, c.ID, s.competitionActor(ctx, c), in.ID, "participant", fmt.Sprint(in.ParticipantID))
	})
	countyOp(s, api, huma.Operation{
		OperationID: "add-competition-criterion", Method: http.MethodPost, Path: base + "/{id}/criteria", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a criterion with its weight and maximum score (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *criterionInput) (*criterionOutput, error) {
		cr, err := s.Competitions.AddCriterion(ctx, c.ID, s.competitionActor(ctx, c), in.ID, competitions.NewCriterion{Name: in.Body.Name, Weight: in.Body.Weight, MaxScore: in.Body.MaxScore})
		if err != nil {
			return nil, err
		}
		return &criterionOutput{Body: criterionBody(cr)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "remove-competition-criterion", Method: http.MethodDelete, Path: base + "/{id}/criteria/{criterionId}", Tags: tags,
		DefaultStatus: http.StatusNoContent, Summary: "Remove a criterion (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *criterionPath) (*struct{}, error) {
		return nil, s.Competitions.Remove(ctx, c.ID, s.competitionActor(ctx, c), in.ID, "criterion", fmt.Sprint(in.CriterionID))
	})
	countyOp(s, api, huma.Operation{
		OperationID: "add-competition-judge", Method: http.MethodPost, Path: base + "/{id}/judges", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a judge: a member of the county's staff with the judge role (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *judgeInput) (*judgeOutput, error) {
		j, err := s.Competitions.AddJudge(ctx, c.ID, s.competitionActor(ctx, c), in.ID, in.Body.IdentityID)
		if err != nil {
			return nil, err
		}
		return &judgeOutput{Body: JudgeBody{IdentityID: j.IdentityID, Name: j.Name}}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "remove-competition-judge", Method: http.MethodDelete, Path: base + "/{id}/judges/{identityId}", Tags: tags,
		DefaultStatus: http.StatusNoContent, Summary: "Remove a judge (draft only)",
	}, write, func(ctx context.Context, c tenants.County, in *judgePath) (*struct{}, error) {
		return nil, s.Competitions.Remove(ctx, c.ID, s.competitionActor(ctx, c), in.ID, "judge", in.IdentityID)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "open-competition", Method: http.MethodPost, Path: base + "/{id}/open", Tags: tags,
		Summary: "Open a competition for scoring (draft → open)", Description: "Needs at least one participant, criterion and judge; the set-up is then frozen. 409 otherwise.",
	}, write, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Open(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "lock-competition", Method: http.MethodPost, Path: base + "/{id}/lock", Tags: tags,
		Summary: "Lock the scores (open → locked)", Description: "Judges can no longer give or revise scores.",
	}, write, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Lock(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "score-competition", Method: http.MethodPost, Path: base + "/{id}/scoring", Tags: tags, DefaultStatus: http.StatusAccepted,
		Summary:     "Start computing the results (locked → scoring)",
		Description: "Starts the River job `competition_scoring`; follow `progress` (percent) on the competition until it is `scored`. While scores are missing this answers 409 unless `force` is set.",
	}, write, func(ctx context.Context, c tenants.County, in *scoringInput) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.StartScoring(ctx, c.ID, s.competitionActor(ctx, c), in.ID, in.Body.Force)
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "publish-competition", Method: http.MethodPost, Path: base + "/{id}/publish", Tags: tags,
		Summary: "Publish the results (scored → published)", Description: "The result is then visible to county staff and judges, and never changes.",
	}, write, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*competitionDetailOutput, error) {
		comp, err := s.Competitions.Publish(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		return detail(ctx, c, comp, err)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "competition-missing-scores", Method: http.MethodGet, Path: base + "/{id}/missing-scores", Tags: tags,
		Summary: "List the scores not given yet", Description: "Who has not scored which participant on which criterion; never the scores themselves.",
	}, write, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*missingOutput, error) {
		list, err := s.Competitions.MissingScores(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		if err != nil {
			return nil, err
		}
		out := &missingOutput{}
		out.Body.Items = make([]MissingBody, len(list))
		for i, m := range list {
			out.Body.Items[i] = MissingBody(m)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "competition-score-events", Method: http.MethodGet, Path: base + "/{id}/score-events", Tags: tags,
		Summary: "The audit trail of every score change (old → new, who, when)",
	}, write, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*scoreEventsOutput, error) {
		list, err := s.Competitions.ScoreEvents(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		if err != nil {
			return nil, err
		}
		out := &scoreEventsOutput{}
		out.Body.Items = make([]ScoreEventBody, len(list))
		for i, e := range list {
			out.Body.Items[i] = ScoreEventBody(e)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "competition-results", Method: http.MethodGet, Path: base + "/{id}/results", Tags: tags,
		Summary:     "The ranked results with each criterion's trimmed mean",
		Description: "Once published: county staff and the competition's judges. Once scored: administrators preview it. 409 before.",
	}, read, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*resultsOutput, error) {
		r, err := s.Competitions.Results(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		if err != nil {
			return nil, err
		}
		return resultsBody(r), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "export-competition-results", Method: http.MethodGet, Path: base + "/{id}/results.xlsx", Tags: tags,
		Summary: "Download the published results as XLSX", Description: "Two sheets: 排名 (rank and weighted total) and 各项得分 (each criterion's trimmed mean).",
		Responses: map[string]*huma.Response{"200": {Description: "the workbook", Content: map[string]*huma.MediaType{
			xlsxType: {}}}},
	}, read, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*fileOutput, error) {
		name, data, err := s.Competitions.Export(ctx, c.ID, s.competitionActor(ctx, c), in.ID)
		if err != nil {
			return nil, err
		}
		return &fileOutput{ContentType: xlsxType, CacheControl: "no-store", ContentDisposition: contentDisposition(name, "results.xlsx"), Body: data}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "list-judging", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/judging", Tags: tags,
		Summary: "The competitions the caller judges",
	}, score, func(ctx context.Context, c tenants.County, in *CountyPath) (*competitionListOutput, error) {
		list, err := s.Competitions.Judging(ctx, c.ID, s.competitionActor(ctx, c))
		if err != nil {
			return nil, err
		}
		return competitionList(list), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "get-scoring-sheet", Method: http.MethodGet, Path: base + "/{id}/sheet", Tags: tags,
		Summary:     "The caller's scoring sheet: participants × criteria with the caller's own scores",
		Description: "Only for the competition's judges (403 otherwise); never shows another judge's score.",
	}, score, func(ctx context.Context, c tenants.County, in *CompetitionPath) (*sheetOutput, error) {
		by := s.competitionActor(ctx, c)
		sh, err := s.Competitions.Sheet(ctx, c.ID, by, in.ID)
		if err != nil {
			return nil, err
		}
		out := &sheetOutput{}
		out.Body.CompetitionDetailBody = competitionDetail(sh.Competition, by).Body
		out.Body.Scores = make([]ScoreBody, len(sh.Scores))
		for i, sc := range sh.Scores {
			out.Body.Scores[i] = ScoreBody(sc)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "put-competition-score", Method: http.MethodPut, Path: base + "/{id}/scores/{participantId}/{criterionId}", Tags: tags,
		Summary:     "Give or revise the caller's score",
		Description: "Only the competition's judges (403), only while it is open (409), 0 to the criterion's maximum (422 on body.score). Every change is audited.",
	}, score, func(ctx context.Context, c tenants.County, in *scoreInput) (*scoreOutput, error) {
		sc, err := s.Competitions.SetScore(ctx, c.ID, s.competitionActor(ctx, c), in.ID, in.ParticipantID, in.CriterionID, in.Body.Score)
		if err != nil {
			return nil, err
		}
		return &scoreOutput{Body: ScoreBody(sc)}, nil
	})
}

func resultsBody(r competitions.Results) *resultsOutput {
	out := &resultsOutput{}
	out.Body.Competition = competitionBody(r.Competition)
	out.Body.Criteria = make([]CriterionBody, len(r.Competition.Criteria))
	for i, c := range r.Competition.Criteria {
		out.Body.Criteria[i] = criterionBody(c)
	}
	out.Body.Rows = make([]ResultBody, len(r.Rows))
	for i, row := range r.Rows {
		b := ResultBody{Participant: participantBody(row.Participant), Rank: row.Rank, Total: row.Total, Means: make([]MeanBody, len(row.Means))}
		for k, m := range row.Means {
			b.Means[k] = MeanBody(m)
		}
		out.Body.Rows[i] = b
	}
	return out
}

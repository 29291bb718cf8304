package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/tenants"
)

// casesPerStreet is how many cases each demo street gets, over the last
// sixty days: enough for every state, channel and grade to show.
var casesPerStreet = map[string]int{"371326001": 240, "371326101": 70, "371326106": 40}

// routes sends each default category to a department kind: the demo's
// dispatch rules.
var routes = map[string]string{
	"marriage_family": "justice", "neighbourhood": "justice", "labour": "labor", "land_property": "petition",
	"property_management": "urban", "demolition": "petition", "consumer": "justice", "medical": "justice",
	"traffic": "police", "other_dispute": "justice", "petition": "petition", "dispute_resolution": "justice",
	"legal_service": "justice", "joint_defense": "police", "counseling": "center", "hazard_report": "urban",
}

// titles are what residents report, by category code.
var titles = map[string][]string{
	"marriage_family":     {"夫妻因赡养老人发生争吵", "离婚后子女探视纠纷", "兄弟分家析产矛盾"},
	"neighbourhood":       {"楼上漏水殃及楼下", "楼道堆放杂物影响通行", "邻居装修噪音扰民", "宅基地边界院墙纠纷"},
	"labour":              {"工地拖欠农民工工资", "辞职后未结清加班费", "未签劳动合同被辞退"},
	"land_property":       {"承包地界址争议", "林地确权纠纷"},
	"property_management": {"小区电梯长期停运", "物业费收取争议", "小区停车位被占用"},
	"demolition":          {"拆迁补偿标准异议", "临时安置费未按期发放"},
	"consumer":            {"预付卡商家跑路", "网购商品质量纠纷"},
	"medical":             {"诊所治疗后出现并发症", "医疗费用结算争议"},
	"traffic":             {"电动车与行人剐蹭赔偿", "停车场车辆被刮"},
	"other_dispute":       {"合伙经营账目纠纷", "借款到期不还"},
	"petition":            {"反映村务公开不及时", "低保评议有异议"},
	"dispute_resolution":  {"申请人民调解", "请求调解邻里矛盾"},
	"legal_service":       {"咨询遗嘱继承", "咨询劳动仲裁程序"},
	"joint_defense":       {"夜间有可疑人员徘徊", "小区门禁损坏"},
	"counseling":          {"独居老人情绪低落", "青少年厌学家长求助"},
	"hazard_report":       {"沿街店铺私拉电线", "楼道电动车充电", "路灯损坏"},
}

var results = []string{"经调解双方达成一致，已签订调解协议", "已现场处置完毕", "已协调相关单位解决", "已依法处理并告知当事人"}

var reporterNames = []string{"王秀英", "李建华", "张玉兰", "刘德明", "陈桂芳", "杨志强", "赵淑珍", "孙海涛"}

// weighted picks a key by weight.
type weighted []struct {
	value  string
	weight int
}

func (w weighted) pick(r *rand.Rand) string {
	total := 0
	for _, x := range w {
		total += x.weight
	}
	n := r.IntN(total)
	for _, x := range w {
		if n < x.weight {
			return x.value
		}
		n -= x.weight
	}
	return w[len(w)-1].value
}

var channelWeights = weighted{{"grid_report", 35}, {"qr", 20}, {"hotline_12345", 15}, {"visit", 10}, {"online", 8},
	{"petition", 5}, {"superior_assigned", 4}, {"screening", 3}}

var gradeWeights = weighted{{"general", 65}, {"major", 20}, {"serious", 10}, {"urgent", 5}}

// outcomes is how far a case gets, before time runs out on it.
var outcomeWeights = weighted{{"closed", 50}, {"confirmed", 5}, {"resolved", 8}, {"accepted", 12}, {"dispatched", 10},
	{"reported", 6}, {"self_resolved", 3}, {"cancelled", 3}, {"merged", 3}}

// SeedCases gives each demo street its dispatch rules and a history of
// cases, once: a street that has any case is left alone. The cases are
// written with their past timestamps, which the service's steps (always
// "now") cannot do.
func SeedCases(ctx context.Context, ts *tenants.Service, cs *cases.Service, county tenants.County, log io.Writer) error {
	for _, st := range streets {
		t, err := ts.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, st.code)
		if err != nil {
			return err
		}
		n, err := seedStreetCases(ctx, ts, cs, t, casesPerStreet[st.code])
		if err != nil {
			return fmt.Errorf("seed cases of %s: %w", st.code, err)
		}
		if n > 0 {
			fmt.Fprintf(log, "seed: %s %s with %d cases\n", st.code, st.name, n)
		}
	}
	return nil
}

type place struct{ ID, Community, Zone, Grid int64 }

func seedStreetCases(ctx context.Context, ts *tenants.Service, cs *cases.Service, t tenants.Tenant, count int) (int, error) {
	scope := tenants.Scope{TenantID: t.ID}
	var existing int
	if err := ts.DB().Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE tenant_id = $1`, t.ID).Scan(&existing)
	}); err != nil {
		return 0, err
	}
	if existing > 0 {
		return 0, nil
	}
	departments, err := ts.Departments(ctx, scope)
	if err != nil {
		return 0, err
	}
	deptByKind := map[string]tenants.Department{}
	for _, d := range departments {
		deptByKind[d.Kind] = d
	}
	categories, err := ts.Categories(ctx, scope)
	if err != nil {
		return 0, err
	}
	deadlines := map[string]cases.Deadlines{}
	for _, c := range categories {
		if d, ok := deptByKind[routes[c.Code]]; ok {
			if _, err := cs.CreateRule(ctx, scope, cases.Rule{CategoryID: c.ID, DepartmentID: d.ID}); err != nil {
				return 0, err
			}
		}
		for _, g := range cases.Grades {
			if deadlines[fmt.Sprint(c.ID, g)], err = cs.DeadlinesFor(ctx, scope, c.ID, g); err != nil {
				return 0, err
			}
		}
	}
	// Deterministic per street: the demo looks the same on every machine.
	r := rand.New(rand.NewPCG(uint64(t.ID), 2026))
	now := time.Now().Truncate(time.Minute)
	err = ts.DB().Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, coalesce(community_id, 0), coalesce(zone_id, 0), coalesce(grid_id, 0) FROM org_nodes
			WHERE tenant_id = $1 AND kind = 'building' ORDER BY code`, t.ID)
		if err != nil {
			return err
		}
		places, err := pgx.CollectRows(rows, pgx.RowToStructByPos[place])
		if err != nil {
			return err
		}
		if len(places) == 0 {
			return fmt.Errorf("street %s has no buildings", t.Code)
		}
		var open []int64 // cases a duplicate may be merged into
		for i := 0; i < count; i++ {
			// The first grid's first buildings get a share, so the demo
			// grid worker has cases of their own.
			p := places[r.IntN(len(places))]
			if i%8 == 0 {
				p = places[r.IntN(min(6, len(places)))]
			}
			cat := categories[r.IntN(len(categories))]
			g := demoCase{r: r, now: now, tenantID: t.ID, place: p, category: cat, channel: channelWeights.pick(r),
				grade: gradeWeights.pick(r), outcome: outcomeWeights.pick(r), dept: deptByKind[routes[cat.Code]]}
			g.deadlines = deadlines[fmt.Sprint(cat.ID, g.grade)]
			if g.outcome == "merged" && len(open) > 0 {
				g.mergeInto = open[r.IntN(len(open))]
			}
			id, status, err := g.insert(ctx, tx)
			if err != nil {
				return err
			}
			if status == cases.Dispatched || status == cases.Accepted || status == cases.Reported {
				open = append(open, id)
			}
		}
		// Residents rated three in four answers they got a day after the
		// close, mostly well: the satisfaction rate has something to count.
		_, err = tx.Exec(ctx, `INSERT INTO case_ratings (tenant_id, case_id, resolved_at, score, created_at)
			SELECT tenant_id, id, resolved_at,
				CASE WHEN id % 10 < 6 THEN 5 WHEN id % 10 < 8 THEN 4 WHEN id % 10 < 9 THEN 3 ELSE 2 END, closed_at + interval '1 day'
			FROM cases WHERE tenant_id = $1 AND status = 'closed' AND reporter_phone <> '' AND id % 4 <> 0
				AND closed_at + interval '1 day' < now()`, t.ID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return count, nil
}

func isOpen(s cases.Status) bool { return s == cases.Dispatched || s == cases.Accepted }

// demoCase is one generated case and how far it got.
type demoCase struct {
	r         *rand.Rand
	now       time.Time
	tenantID  int64
	place     place
	category  tenants.Category
	channel   string
	grade     string
	outcome   string
	dept      tenants.Department
	deadlines cases.Deadlines
	mergeInto int64
}

type milestone struct {
	at          time.Time
	actor, role string
	action      string
	from, to    cases.Status
	note        string
}

func (g demoCase) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + g.r.Float64()*(hi-lo)) * float64(time.Hour))
}

// insert writes the case, its milestones and its timeline; milestones that
// would lie in the future are not reached yet.
func (g demoCase) insert(ctx context.Context, tx pgx.Tx) (int64, cases.Status, error) {
	reported := g.now.Add(-g.hours(1, 60*24))
	title := titles[g.category.Code][g.r.IntN(len(titles[g.category.Code]))]
	reporter, phone := "", ""
	if g.channel != "screening" && g.channel != "superior_assigned" {
		reporter = reporterNames[g.r.IntN(len(reporterNames))]
		phone = fmt.Sprintf("13%d%08d", 5+g.r.IntN(4), g.r.IntN(100000000))
	}
	reportedBy, reportedRole := "周强", "grid_worker"
	switch g.channel {
	case "qr", "online":
		reportedBy, reportedRole = "居民", ""
	case "hotline_12345", "visit", "petition", "superior_assigned":
		reportedBy, reportedRole = "陈静", "dispatcher"
	}
	steps := []milestone{{at: reported, actor: reportedBy, role: reportedRole, action: "report", to: cases.Reported, note: g.channel}}
	status := cases.Reported
	var dispatched, acceptDue, completeDue, accepted, resolved, confirmed, closed *time.Time
	var result, answer, leader string
	escalation := 0
	step := func(after time.Duration, actor, role, action string, to cases.Status, note string) bool {
		at := steps[len(steps)-1].at.Add(after)
		if at.After(g.now) {
			return false
		}
		steps = append(steps, milestone{at: at, actor: actor, role: role, action: action, from: status, to: to, note: note})
		status = to
		return true
	}
	deptStaff := g.dept.Name + "工作人员"
	if g.dept.Kind == "police" {
		deptStaff = "张伟"
	}
	switch g.outcome {
	case "cancelled":
		step(g.hours(1, 12), "陈静", "dispatcher", "cancel", cases.Cancelled, "经核实不属于受理范围")
	case "merged":
		if g.mergeInto != 0 {
			step(g.hours(1, 12), "陈静", "dispatcher", "merge", cases.Merged, "")
		}
	case "self_resolved":
		if step(g.hours(0.5, 4), "周强", "grid_worker", "self_resolve", cases.Resolved, "网格员现场劝解，双方和解") {
			resolved, result = &steps[len(steps)-1].at, steps[len(steps)-1].note
			if step(g.hours(1, 24), "陈静", "dispatcher", "confirm", cases.Confirmed, "") {
				confirmed = &steps[len(steps)-1].at
				if step(g.hours(1, 24), "陈静", "dispatcher", "close", cases.Closed, "已现场化解，感谢您的反映") {
					closed, answer = &steps[len(steps)-1].at, steps[len(steps)-1].note
				}
			}
		}
	case "reported":
		// Waits in the centre's manual queue.
	default:
		leader = g.dept.Name + "负责人"
		if !step(g.hours(0.2, 6), "陈静", "dispatcher", "dispatch", cases.Dispatched, "") {
			break
		}
		at := steps[len(steps)-1].at
		dispatched = &at
		a, c := at.Add(time.Duration(g.deadlines.AcceptHours)*time.Hour), at.Add(time.Duration(g.deadlines.CompleteHours)*time.Hour)
		acceptDue, completeDue = &a, &c
		if g.outcome == "dispatched" {
			break
		}
		// Most accept in time; some late, which the ledger and the rates show.
		if !step(g.hours(0.3, float64(g.deadlines.AcceptHours)*1.3), deptStaff, "department_staff", "accept", cases.Accepted, "") {
			break
		}
		accepted = &steps[len(steps)-1].at
		if g.outcome == "accepted" {
			break
		}
		result = results[g.r.IntN(len(results))]
		if !step(g.hours(2, float64(g.deadlines.CompleteHours)*1.15), deptStaff, "department_staff", "resolve", cases.Resolved, result) {
			result = ""
			break
		}
		resolved = &steps[len(steps)-1].at
		if g.outcome == "resolved" || !step(g.hours(1, 24), "陈静", "dispatcher", "confirm", cases.Confirmed, "") {
			break
		}
		confirmed = &steps[len(steps)-1].at
		if g.outcome == "confirmed" || !step(g.hours(1, 48), "陈静", "dispatcher", "close", cases.Closed, "已办结："+result) {
			break
		}
		closed, answer = &steps[len(steps)-1].at, "已办结："+result
	}
	// Each window missed (acted on late, or still open past it) raised the
	// case one level, as the deadline jobs do.
	var breaches []string
	missed := func(done, due *time.Time) bool {
		return due != nil && ((done != nil && done.After(*due)) || (done == nil && dispatched != nil && g.now.After(*due) && isOpen(status)))
	}
	if missed(accepted, acceptDue) {
		breaches = append(breaches, "accept")
	}
	if missed(resolved, completeDue) {
		breaches = append(breaches, "complete")
	}
	escalation = len(breaches)
	code, err := cases.NewTrackingCode()
	if err != nil {
		return 0, "", err
	}
	var deptID, merged any
	if dispatched != nil {
		deptID = g.dept.ID
	}
	if status == cases.Merged {
		merged = g.mergeInto
	}
	last := steps[len(steps)-1].at
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, status,
			node_id, community_id, zone_id, grid_id, reporter_name, reporter_phone, department_id, leader_name, accept_due, complete_due,
			result, answer, merged_into, escalation_level, reported_at, dispatched_at, accepted_at, resolved_at, confirmed_at, closed_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, 0), nullif($11, 0), nullif($12, 0), $13, $14, $15, $16, $17, $18,
			$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) RETURNING id`,
		g.tenantID, code, g.channel, g.category.ID, g.grade, title, title+"，请尽快处理。", string(status),
		g.place.ID, g.place.Community, g.place.Zone, g.place.Grid, reporter, phone, deptID, leader, acceptDue, completeDue,
		result, answer, merged, escalation, reported, dispatched, accepted, resolved, confirmed, closed, last).Scan(&id)
	if err != nil {
		return 0, "", fmt.Errorf("insert demo case: %w", err)
	}
	batch := &pgx.Batch{}
	for _, m := range steps {
		var from any
		if m.from != "" {
			from = string(m.from)
		}
		batch.Queue(`INSERT INTO case_events (tenant_id, case_id, at, actor, actor_role, action, from_status, to_status, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, g.tenantID, id, m.at, m.actor, m.role, m.action, from, string(m.to), m.note)
	}
	for i, window := range breaches {
		level := i + 1
		due := acceptDue
		if window == "complete" {
			due = completeDue
		}
		levelName := []string{"", "center_leader", "street_secretary"}[level]
		reason := fmt.Sprintf("超过%s时限，升级至%s督办", map[string]string{"accept": "受理", "complete": "办结"}[window],
			map[string]string{"center_leader": "中心领导", "street_secretary": "街道书记"}[levelName])
		batch.Queue(`INSERT INTO case_supervisions (tenant_id, case_id, level, "window", reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			g.tenantID, id, levelName, window, reason, *due)
		// The breach is on the timeline too, in the status the case had then.
		then := steps[0].to
		for _, m := range steps {
			if !m.at.After(*due) {
				then = m.to
			}
		}
		batch.Queue(`INSERT INTO case_events (tenant_id, case_id, at, actor, actor_role, action, from_status, to_status, note)
			VALUES ($1, $2, $3, 'system', 'system', 'supervise', $4, $4, $5)`, g.tenantID, id, *due, string(then), reason)
	}
	if status == cases.Merged {
		batch.Queue(`INSERT INTO case_events (tenant_id, case_id, at, actor, actor_role, action, from_status, to_status, note)
			SELECT tenant_id, id, greatest($3, reported_at), '陈静', 'dispatcher', 'absorb', status, status, $4 FROM cases WHERE tenant_id = $1 AND id = $2`,
			g.tenantID, g.mergeInto, last, fmt.Sprintf("合并重复案件 %s %s", code, title))
	}
	if dispatched != nil && (status == cases.Dispatched || status == cases.Accepted) {
		batch.Queue(`INSERT INTO notifications (tenant_id, case_id, department_id, audience, kind, title, body, created_at)
			VALUES ($1, $2, $3, 'department', 'assignment', $4, $5, $6)`, g.tenantID, id, g.dept.ID,
			fmt.Sprintf("新交办：%s %s", code, title), "责任领导："+leader, *dispatched)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return 0, "", fmt.Errorf("insert demo timeline: %w", err)
	}
	return id, status, nil
}

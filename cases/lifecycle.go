// Package cases owns the closed loop: a case from any channel is reported,
// dispatched, accepted, resolved, confirmed and closed, with every step on
// an append-only timeline.
package cases

import (
	"fmt"
	"strings"

	"github.com/fengqiao/fengqiao"
)

// Status is where a case stands in the loop.
type Status string

// The statuses, in loop order, then the two ends outside it.
const (
	Reported   Status = "reported"   // 上报
	Dispatched Status = "dispatched" // 分拨
	Accepted   Status = "accepted"   // 受理
	Resolved   Status = "resolved"   // 化解
	Confirmed  Status = "confirmed"  // 确认
	Closed     Status = "closed"     // 反馈 (answered and archived)
	Cancelled  Status = "cancelled"
	Merged     Status = "merged"
)

// Action is a step a person takes on a case.
type Action string

// The actions.
const (
	Dispatch    Action = "dispatch"     // the centre sends it to a department (again, after a return)
	Accept      Action = "accept"       // the department takes it on
	Return      Action = "return"       // the department sends a wrong dispatch back, with a reason
	Resolve     Action = "resolve"      // the department reports the result
	SelfResolve Action = "self_resolve" // a grid worker settles it on the spot (自行处置)
	Confirm     Action = "confirm"      // the centre checks the result
	Close       Action = "close"        // the answer goes to the reporter; archived
	Reopen      Action = "reopen"       // the centre, or the resident, is not satisfied
	Merge       Action = "merge"        // a duplicate joins another case
	Cancel      Action = "cancel"       // not a case after all, with a reason
)

// transition is one row of the state machine.
type transition struct {
	from []Status
	to   Status
}

// lifecycle is the whole state machine: an action is legal from the listed
// statuses and leads to one status. Nothing else changes a case's status.
var lifecycle = map[Action]transition{
	Dispatch:    {from: []Status{Reported, Dispatched}, to: Dispatched},
	Accept:      {from: []Status{Dispatched}, to: Accepted},
	Return:      {from: []Status{Dispatched, Accepted}, to: Reported},
	Resolve:     {from: []Status{Accepted}, to: Resolved},
	SelfResolve: {from: []Status{Reported}, to: Resolved},
	Confirm:     {from: []Status{Resolved}, to: Confirmed},
	Close:       {from: []Status{Confirmed}, to: Closed},
	Reopen:      {from: []Status{Resolved, Confirmed, Closed}, to: Reported},
	Merge:       {from: []Status{Reported, Dispatched, Accepted}, to: Merged},
	Cancel:      {from: []Status{Reported, Dispatched, Accepted}, to: Cancelled},
}

// actionOrder lists the actions for messages and menus, loop order first.
var actionOrder = []Action{Dispatch, Accept, Return, Resolve, SelfResolve, Confirm, Close, Reopen, Merge, Cancel}

// AllowedActions lists what may be done to a case in status s.
func AllowedActions(s Status) []Action {
	var out []Action
	for _, a := range actionOrder {
		for _, from := range lifecycle[a].from {
			if from == s {
				out = append(out, a)
			}
		}
	}
	return out
}

// next returns the status action a leads to from s, or a conflict error
// naming the actions that are allowed.
func next(s Status, a Action) (Status, error) {
	t, ok := lifecycle[a]
	if !ok {
		return "", fengqiao.Invalid("path.action", fmt.Sprintf("unknown action %q", a), a)
	}
	for _, from := range t.from {
		if from == s {
			return t.to, nil
		}
	}
	allowed := AllowedActions(s)
	names := make([]string, len(allowed))
	for i, x := range allowed {
		names[i] = string(x)
	}
	msg := fmt.Sprintf("a %s case cannot be %s", s, pastTense(a))
	if len(names) > 0 {
		msg += "; allowed now: " + strings.Join(names, ", ")
	} else {
		msg += "; nothing more can be done to it"
	}
	return "", &fengqiao.Error{Code: fengqiao.ECONFLICT, Message: msg}
}

func pastTense(a Action) string {
	switch a {
	case SelfResolve:
		return "resolved on the spot"
	case Dispatch:
		return "dispatched"
	case Merge:
		return "merged"
	case Return:
		return "returned"
	case Reopen:
		return "reopened"
	}
	return strings.TrimSuffix(string(a), "e") + "ed"
}

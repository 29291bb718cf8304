package open311

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Every service asks the same two questions: how serious the matter is,
// and which sides it involves.
var attributes = []Attribute{
	{Variable: true, Code: "grade", Datatype: "singlevaluelist", Order: 1,
		DatatypeDescription: "one of the keys; general when absent",
		Description:         "事件等级 (grade)",
		Values:              []Value{{"general", "一般"}, {"major", "较大"}, {"serious", "重大"}, {"urgent", "紧急"}}},
	{Variable: true, Code: "parties", Datatype: "multivaluelist", Order: 2,
		DatatypeDescription: "any of the keys, each as attribute[parties][]=key",
		Description:         "涉及方面 (parties involved)",
		Values:              []Value{{"neighbours", "邻里"}, {"property", "物业"}, {"family", "家庭"}, {"labour", "劳资"}, {"land", "土地"}, {"other", "其他"}}},
}

func attributeNamed(code string) (Attribute, bool) {
	i := slices.IndexFunc(attributes, func(a Attribute) bool { return a.Code == code })
	if i < 0 {
		return Attribute{}, false
	}
	return attributes[i], true
}

// valueName is the display name of a list attribute's key.
func (a Attribute) valueName(key string) (string, bool) {
	i := slices.IndexFunc(a.Values, func(v Value) bool { return v.Key == key })
	if i < 0 {
		return "", false
	}
	return a.Values[i].Name, true
}

// answers are a request's attribute values by attribute code. Parsing
// checks them against the definition, so every key is known.
type answers map[string][]string

// parseAttributes reads attribute[code]=v and attribute[code][]=v fields.
// Empty values count as absent; a multi-value list may also repeat
// attribute[code]=v, as some clients send it.
func parseAttributes(form url.Values) (answers, []string) {
	out := answers{}
	var problems []string
	for field, values := range form {
		rest, ok := strings.CutPrefix(field, "attribute[")
		if !ok {
			continue
		}
		code, list := strings.CutSuffix(rest, "][]")
		if !list {
			code, ok = strings.CutSuffix(rest, "]")
			if !ok || strings.ContainsAny(code, "[]") {
				problems = append(problems, fmt.Sprintf("%s is not an attribute field: send attribute[code]=value or attribute[code][]=value", field))
				continue
			}
		}
		a, ok := attributeNamed(code)
		if !ok {
			problems = append(problems, fmt.Sprintf("attribute[%s]: this service has no attribute %q", code, code))
			continue
		}
		if list && a.Datatype != "multivaluelist" {
			problems = append(problems, fmt.Sprintf("attribute[%s] takes one value: send attribute[%s]=value", code, code))
			continue
		}
		for _, v := range values {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if _, ok := a.valueName(v); !ok {
				problems = append(problems, fmt.Sprintf("attribute[%s]: %q is not one of %s", code, v, strings.Join(keys(a), ", ")))
				continue
			}
			if !slices.Contains(out[code], v) {
				out[code] = append(out[code], v)
			}
		}
		if a.Datatype == "singlevaluelist" && len(out[code]) > 1 {
			problems = append(problems, fmt.Sprintf("attribute[%s] takes one value, got %s", code, strings.Join(out[code], ", ")))
		}
	}
	slices.Sort(problems) // map order would make the answer vary
	return out, problems
}

func keys(a Attribute) []string {
	out := make([]string, len(a.Values))
	for i, v := range a.Values {
		out[i] = v.Key
	}
	return out
}

// grade is the chosen grade, general by default.
func (ans answers) grade() string {
	if g := ans["grade"]; len(g) == 1 {
		return g[0]
	}
	return "general"
}

// partiesLine is the line the chosen parties add to a case's description,
// in the definition's order; "" when none was chosen.
func (ans answers) partiesLine() string {
	a, _ := attributeNamed("parties")
	var names []string
	for _, v := range a.Values {
		if slices.Contains(ans["parties"], v.Key) {
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "涉及方面：" + strings.Join(names, "、")
}

// window is the widest range GET requests covers.
const window = 90 * 24 * time.Hour

// parseTime reads a W3C date and time, which must carry a time zone.
func parseTime(field, v string) (time.Time, error) {
	// A "+" left unencoded in a query string arrives as a space; no valid
	// value contains one, so it can only be the offset's sign.
	v = strings.ReplaceAll(v, " ", "+")
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s must be a W3C date and time with a time zone, such as 2026-11-05T08:15:30+08:00 or 2026-11-05T00:15:30Z", field)
}

// dateRange applies the specification's rules: at most 90 days between
// start_date and end_date, and the last 90 days when neither is given.
// A lone start_date or end_date opens a 90-day window from or to it.
func dateRange(form url.Values, now time.Time) (from, to time.Time, problems []string) {
	var start, end time.Time
	for _, p := range []struct {
		field string
		into  *time.Time
	}{{"start_date", &start}, {"end_date", &end}} {
		v := strings.TrimSpace(form.Get(p.field))
		if v == "" {
			continue
		}
		t, err := parseTime(p.field, v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		*p.into = t
	}
	if len(problems) > 0 {
		return time.Time{}, time.Time{}, problems
	}
	switch {
	case !start.IsZero() && !end.IsZero():
		if end.Before(start) {
			return time.Time{}, time.Time{}, []string{"end_date is before start_date"}
		}
		if end.Sub(start) > window {
			return time.Time{}, time.Time{}, []string{"start_date and end_date are more than 90 days apart; ask for at most 90 days at a time"}
		}
		return start, end, nil
	case !start.IsZero():
		return start, start.Add(window), nil
	case !end.IsZero():
		return end.Add(-window), end, nil
	}
	return now.Add(-window), time.Time{}, nil
}

// commaList splits a comma-separated argument, dropping empty items.
func commaList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

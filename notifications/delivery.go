package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
)

// Message is one SMS or mail to one person.
type Message struct {
	Channel string // "sms" or "email"
	To      string // a phone number or a mail address
	Name    string
	Title   string
	Body    string
}

// Sender hands messages to an SMS or mail gateway.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender records each message in the log until a gateway is connected.
// Phone numbers are masked: logs are read by more people than should see them.
type LogSender struct{ Log *slog.Logger }

// Send logs the message.
func (s LogSender) Send(ctx context.Context, m Message) error {
	to := m.To
	if m.Channel == "sms" {
		to = fengqiao.MaskPhone(to)
	}
	s.Log.InfoContext(ctx, "notification sent", "channel", m.Channel, "to", to, "name", m.Name, "title", m.Title)
	return nil
}

// Messages are what a notification sends: one per person in its audience
// with a phone (SMS) or else a mail address. It runs in a transaction
// scoped to the notification's tenant and its county (county staff are
// read through the county's policy).
func Messages(ctx context.Context, tx pgx.Tx, tenantID, notificationID int64) ([]Message, error) {
	var audience, title, body string
	var departmentID *int64
	err := tx.QueryRow(ctx, `SELECT audience, department_id, title, body FROM notifications WHERE tenant_id = $1 AND id = $2`,
		tenantID, notificationID).Scan(&audience, &departmentID, &title, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("notification %d of tenant %d not found", notificationID, tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("read notification: %w", err)
	}
	var rows pgx.Rows
	switch audience {
	case ToDepartment:
		rows, err = tx.Query(ctx, `SELECT DISTINCT s.name, coalesce(s.phone, ''), coalesce(s.email, '') FROM memberships m
			JOIN staff s ON s.identity_id = m.identity_id
			WHERE m.tenant_id = $1 AND m.role = 'department_staff' AND m.department_id = $2 ORDER BY 1, 2, 3`, tenantID, departmentID)
	case ToCounty:
		rows, err = tx.Query(ctx, `SELECT DISTINCT s.name, coalesce(s.phone, ''), coalesce(s.email, '') FROM county_memberships m
			JOIN staff s ON s.identity_id = m.identity_id
			WHERE m.county_id = (SELECT county_id FROM tenants WHERE id = $1) AND m.role = ANY($2) ORDER BY 1, 2, 3`,
			tenantID, AudienceRoles[audience])
	default:
		rows, err = tx.Query(ctx, `SELECT DISTINCT s.name, coalesce(s.phone, ''), coalesce(s.email, '') FROM memberships m
			JOIN staff s ON s.identity_id = m.identity_id
			WHERE m.tenant_id = $1 AND m.role = ANY($2) ORDER BY 1, 2, 3`, tenantID, AudienceRoles[audience])
	}
	if err != nil {
		return nil, fmt.Errorf("find the %s audience: %w", audience, err)
	}
	var out []Message
	var name, phone, email string
	_, err = pgx.ForEachRow(rows, []any{&name, &phone, &email}, func() error {
		m := Message{Channel: "sms", To: phone, Name: name, Title: title, Body: body}
		if phone == "" {
			m.Channel, m.To = "email", email
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the %s audience: %w", audience, err)
	}
	return out, nil
}

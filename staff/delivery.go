package staff

import (
	"context"
	"log/slog"
)

// Delivery sends a new sign-in link and code to the person, once a mail or
// SMS gateway is connected. Until then the inviter hands them over; the
// API always returns them to the inviter as well.
type Delivery interface {
	Deliver(ctx context.Context, to Person, link, code string) error
}

// LogDelivery records that a link is waiting to be handed over. It never
// logs the code: logs are read by more people than should sign in as staff.
type LogDelivery struct{ Log *slog.Logger }

// Deliver logs the handover.
func (d LogDelivery) Deliver(ctx context.Context, to Person, _, _ string) error {
	d.Log.InfoContext(ctx, "sign-in code issued; the inviter hands it over", "identity", to.IdentityID, "name", to.Name)
	return nil
}

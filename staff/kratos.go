package staff

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	kratos "github.com/ory/kratos-client-go"

	"github.com/fengqiao/fengqiao"
)

// Kratos implements Identities with Kratos's admin API.
type Kratos struct {
	admin *kratos.APIClient
}

// NewKratos returns Identities backed by the Kratos admin API at adminURL.
func NewKratos(adminURL string, httpClient *http.Client) *Kratos {
	cfg := kratos.NewConfiguration()
	cfg.Servers = kratos.ServerConfigurations{{URL: adminURL}}
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	return &Kratos{admin: kratos.NewAPIClient(cfg)}
}

// identitySchema is the schema id of infra/kratos/identity.schema.json.
const identitySchema = "staff"

// Ensure finds the identity by email, then by phone, or creates it without
// a password: the person sets one through the recovery code.
func (k *Kratos) Ensure(ctx context.Context, name, email, phone string) (string, error) {
	for _, identifier := range []string{email, phone} {
		if identifier == "" {
			continue
		}
		found, res, err := k.admin.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(identifier).Execute()
		if err != nil {
			return "", kratosError("look up identity", res, err)
		}
		if len(found) > 0 {
			return found[0].Id, nil
		}
	}
	traits := map[string]any{"name": name}
	if email != "" {
		traits["email"] = email
	}
	if phone != "" {
		traits["phone"] = phone
	}
	created, res, err := k.admin.IdentityAPI.CreateIdentity(ctx).
		CreateIdentityBody(*kratos.NewCreateIdentityBody(identitySchema, traits)).Execute()
	if err != nil {
		return "", kratosError("create identity", res, err)
	}
	return created.Id, nil
}

// Recovery creates a one-time recovery code and link for the identity.
func (k *Kratos) Recovery(ctx context.Context, identityID string) (string, string, error) {
	body := kratos.CreateRecoveryCodeForIdentityBody{IdentityId: identityID}
	flow := "browser"
	expires := "72h"
	body.FlowType, body.ExpiresIn = &flow, &expires
	rc, res, err := k.admin.IdentityAPI.CreateRecoveryCodeForIdentity(ctx).CreateRecoveryCodeForIdentityBody(body).Execute()
	if err != nil {
		return "", "", kratosError("create recovery code", res, err)
	}
	return rc.RecoveryLink, rc.RecoveryCode, nil
}

// kratosError keeps Kratos's answer for the log; an unreachable Kratos is
// reported as unavailable.
func kratosError(what string, res *http.Response, err error) error {
	var apiErr *kratos.GenericOpenAPIError
	if errors.As(err, &apiErr) && res != nil {
		if res.StatusCode == http.StatusBadRequest || res.StatusCode == http.StatusConflict {
			return fengqiao.Errorf(fengqiao.EINVALID, "%s: the identity provider refused: %s", what, apiErr.Body())
		}
		return fmt.Errorf("kratos: %s: %s: %s", what, res.Status, apiErr.Body())
	}
	return &fengqiao.Error{Code: fengqiao.EUNAVAILABLE, Message: "the identity provider is unreachable"}
}

// SetPassword gives an identity a password directly. Only the demo seed
// uses it: real staff set their own through the recovery code.
func (k *Kratos) SetPassword(ctx context.Context, identityID, password string) error {
	ident, res, err := k.admin.IdentityAPI.GetIdentity(ctx, identityID).Execute()
	if err != nil {
		return kratosError("get identity", res, err)
	}
	traits, _ := ident.Traits.(map[string]any)
	body := kratos.NewUpdateIdentityBody(ident.SchemaId, "active", traits)
	body.Credentials = &kratos.IdentityWithCredentials{Password: &kratos.IdentityWithCredentialsPassword{
		Config: &kratos.IdentityWithCredentialsPasswordConfig{Password: &password}}}
	if _, res, err := k.admin.IdentityAPI.UpdateIdentity(ctx, identityID).UpdateIdentityBody(*body).Execute(); err != nil {
		return kratosError("set password", res, err)
	}
	return nil
}

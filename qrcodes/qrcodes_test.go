package qrcodes_test

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCodesAreStableUntilRotatedAndResolveAlone(t *testing.T) {
	ctx := context.Background()
	st := casetest.New(t)
	svc := qrcodes.NewService(st.TDB)

	first, err := svc.For(ctx, st.Scope, st.Building)
	require.NoError(t, err)
	require.Regexp(t, `^[0-9A-Za-z]{22}$`, first.Token)
	again, err := svc.For(ctx, st.Scope, st.Building)
	require.NoError(t, err)
	require.Equal(t, first.Token, again.Token, "asking again gives the same code")

	scan, err := svc.Resolve(ctx, first.Token)
	require.NoError(t, err)
	require.Equal(t, qrcodes.Scan{TenantID: st.Tenant.ID, NodeID: st.Building}, scan)

	rotated, err := svc.Rotate(ctx, st.Scope, st.Building)
	require.NoError(t, err)
	require.NotEqual(t, first.Token, rotated.Token)
	scan, err = svc.Resolve(ctx, first.Token)
	require.NoError(t, err)
	require.True(t, scan.Replaced, "the old code says it was replaced")
	scan, err = svc.Resolve(ctx, rotated.Token)
	require.NoError(t, err)
	require.False(t, scan.Replaced)

	for _, bad := range []string{"", "short", strings.Repeat("A", 22), "../../etc/passwd00000", first.Token[:21] + "!"} {
		_, err = svc.Resolve(ctx, bad)
		require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err), bad)
	}

	// A scan's scope sees its own code and nothing else of the street,
	// and changes nothing.
	var codes, nodes, caseRows int
	var updated int64
	require.NoError(t, st.TDB.Tx(ctx, tenants.Scope{QRToken: rotated.Token}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM qr_codes), (SELECT count(*) FROM org_nodes), (SELECT count(*) FROM cases)`).
			Scan(&codes, &nodes, &caseRows); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE qr_codes SET replaced_at = now()`)
		updated = tag.RowsAffected()
		return err
	}))
	require.Equal(t, 1, codes)
	require.Zero(t, nodes)
	require.Zero(t, caseRows)
	require.Zero(t, updated)
}

func TestCodesGoOnBuildingsAndGridsOnly(t *testing.T) {
	ctx := context.Background()
	st := casetest.New(t)
	svc := qrcodes.NewService(st.TDB)
	_, err := svc.For(ctx, st.Scope, st.Tenant.RootID)
	require.Equal(t, fengqiao.EINVALID, fengqiao.ErrorCode(err))
	_, err = svc.For(ctx, st.Scope, 999999)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	other, err := st.Tenants.CreateTenant(ctx, st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	_, err = svc.For(ctx, tenants.Scope{TenantID: other.ID}, st.Building)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err), "another street's building is not found")
}

func TestLabelSheetHasEveryPlaceBelow(t *testing.T) {
	ctx := context.Background()
	st := casetest.New(t)
	svc := qrcodes.NewService(st.TDB)
	hits, err := st.Tenants.Search(ctx, st.Scope, "371326001001", 1)
	require.NoError(t, err)
	community, err := st.Tenants.Node(ctx, st.Scope, hits[0].ID)
	require.NoError(t, err)
	existing, err := svc.For(ctx, st.Scope, st.Building)
	require.NoError(t, err)

	codes, err := svc.Codes(ctx, st.Scope, community)
	require.NoError(t, err)
	require.Len(t, codes, 2, "the grid and its building")
	require.Equal(t, "第1网格", codes[0].Name)
	require.Equal(t, "1号楼", codes[1].Name)
	require.Equal(t, existing.Token, codes[1].Token, "an existing code is kept")
	require.NotEmpty(t, codes[0].Token, "a missing code is made")

	var labels []qrcodes.Label
	for _, c := range codes {
		labels = append(labels, qrcodes.Label{Place: c.Name, Code: c.Code, URL: "http://example.org/q/" + c.Token})
	}
	labels = append(labels, qrcodes.Label{Place: "<script>x</script>", Code: "1", URL: "http://example.org/q/x"})
	html, err := qrcodes.Sheet{Street: "平邑街道", Title: "东关社区", Labels: labels}.HTML()
	require.NoError(t, err)
	require.Contains(t, string(html), "1号楼")
	require.Contains(t, string(html), "37132600100101001001")
	require.Equal(t, 3, strings.Count(string(html), "<svg"))
	require.NotContains(t, string(html), "<script>x", "names are escaped")
	require.Contains(t, string(html), "size: A4")
}

func TestRenderings(t *testing.T) {
	data, err := qrcodes.PNG("http://127.0.0.1:8080/q/0123456789abcdefghijkl", 8)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	b := img.Bounds()
	require.Equal(t, b.Dx(), b.Dy())
	require.Zero(t, b.Dx()%8, "whole modules")
	r, _, _, _ := img.At(0, 0).RGBA()
	require.EqualValues(t, 0xffff, r, "the quiet zone is white")
	r, _, _, _ = img.At(4*8, 4*8).RGBA()
	require.Zero(t, r, "the finder pattern starts after the quiet zone")

	svg, err := qrcodes.SVG("http://127.0.0.1:8080/q/0123456789abcdefghijkl")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`))
	require.Contains(t, svg, `<path d="M4 4h1v1h-1z`)
}

func TestAScanShowsThePlaceAndItsServicesOnly(t *testing.T) {
	ctx := context.Background()
	st := casetest.New(t)
	svc := qrcodes.NewService(st.TDB)
	c, err := svc.For(ctx, st.Scope, st.Building)
	require.NoError(t, err)
	p, err := svc.PlaceOf(ctx, c.Token)
	require.NoError(t, err)
	require.Equal(t, "平邑街道", p.Street)
	require.Equal(t, "东关社区 第1网格 1号楼", p.Place)
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"信访诉求", "纠纷化解", "法律服务", "治安联防", "心理咨询", "隐患上报"}, names, "resident-facing services only, in order")

	_, err = svc.Rotate(ctx, st.Scope, st.Building)
	require.NoError(t, err)
	p, err = svc.PlaceOf(ctx, c.Token)
	require.NoError(t, err)
	require.True(t, p.Replaced)
	require.Empty(t, p.Place, "a replaced code says nothing of its place")
	require.Empty(t, p.Services)
}

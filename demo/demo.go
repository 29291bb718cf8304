// Package demo seeds a demonstration county: Pingyi county (平邑县) with
// three streets of different sizes, built through the same import path a
// county admin uses. Seeding is idempotent: streets that exist are left as
// they are.
package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// County is the demo county's code and name.
const (
	CountyCode = "371326"
	CountyName = "平邑县"
)

// street describes one demo street and the shape of its tree.
type street struct {
	code, name  string
	communities []string
	urban       bool // urban streets have numbered buildings; villages have rows of houses
	zones       int  // per community
	grids       int  // per zone
	buildings   int  // per grid
}

var streets = []street{
	{code: "371326001", name: "平邑街道", urban: true, zones: 4, grids: 5, buildings: 6, communities: []string{
		"东关社区", "西关社区", "南关社区", "北关社区", "城东社区", "城西社区",
		"金花社区", "莲花社区", "浚河社区", "蒙阳社区", "育才社区", "新华社区"}},
	{code: "371326101", name: "仲村镇", zones: 2, grids: 4, buildings: 3, communities: []string{
		"仲村村", "王家庄村", "李家岭村", "东石沟村", "北涝坡村", "孙家官庄村", "南安靖村", "大井村"}},
	{code: "371326106", name: "地方镇", zones: 2, grids: 3, buildings: 2, communities: []string{
		"地方村", "后城子村", "九间棚村", "张家沟村", "宅子村"}},
}

var zoneNames = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Seed creates what is missing of the demo county and returns it.
func Seed(ctx context.Context, svc *tenants.Service, log io.Writer) (tenants.County, error) {
	county, err := svc.CreateCounty(ctx, CountyCode, CountyName)
	if err != nil {
		return tenants.County{}, fmt.Errorf("seed demo county: %w", err)
	}
	for _, st := range streets {
		_, err := svc.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, st.code)
		if err == nil {
			continue
		}
		if fengqiao.ErrorCode(err) != fengqiao.ENOTFOUND {
			return tenants.County{}, err
		}
		t, err := svc.CreateTenant(ctx, county, st.code, st.name)
		if err != nil {
			return tenants.County{}, fmt.Errorf("seed demo street %s: %w", st.code, err)
		}
		res, err := svc.Import(ctx, tenants.Scope{TenantID: t.ID}, st.rows())
		if err != nil {
			return tenants.County{}, fmt.Errorf("seed hierarchy of %s: %w", st.code, err)
		}
		fmt.Fprintf(log, "seed: %s %s with %d nodes\n", st.code, st.name, res.Total)
	}
	return county, nil
}

// rows lays out the street's tree as import rows with GB-style codes.
func (st street) rows() []tenants.ImportRow {
	var rows []tenants.ImportRow
	add := func(level, code, name, parent string) {
		rows = append(rows, tenants.ImportRow{Line: len(rows) + 2, Level: level, Code: code, Name: name, ParentCode: parent})
	}
	for ci, community := range st.communities {
		cCode := fmt.Sprintf("%s%03d", st.code, ci+1)
		add("community", cCode, community, st.code)
		for z := 1; z <= st.zones; z++ {
			zCode := fmt.Sprintf("%s%02d", cCode, z)
			add("zone", zCode, fmt.Sprintf("%s第%s片区", community, zoneNames[z-1]), cCode)
			for g := 1; g <= st.grids; g++ {
				gCode := fmt.Sprintf("%s%03d", zCode, g)
				gridNo := (z-1)*st.grids + g
				add("grid", gCode, fmt.Sprintf("%s第%d网格", community, gridNo), zCode)
				for b := 1; b <= st.buildings; b++ {
					name := fmt.Sprintf("%d号楼", (gridNo-1)*st.buildings+b)
					if !st.urban {
						name = fmt.Sprintf("%d排", (gridNo-1)*st.buildings+b)
					}
					add("building", fmt.Sprintf("%s%03d", gCode, b), community+name, gCode)
				}
			}
		}
	}
	return rows
}

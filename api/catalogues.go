package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Department handles dispatched cases.
type Department struct {
	ID       int64  `json:"id" example:"2"`
	Name     string `json:"name" example:"派出所"`
	Kind     string `json:"kind" enum:"center,police,justice,labor,petition,court,procuratorate,urban,other" example:"police"`
	Sort     int    `json:"sort" example:"2"`
	Archived bool   `json:"archived"`
}

func departmentBody(d tenants.Department) Department {
	return Department{ID: d.ID, Name: d.Name, Kind: d.Kind, Sort: d.Sort, Archived: d.Archived}
}

// Category is a kind of case.
type Category struct {
	ID             int64  `json:"id" example:"11"`
	Code           string `json:"code" example:"petition"`
	Name           string `json:"name" example:"信访诉求"`
	Group          string `json:"group" enum:"domain,service" doc:"domain: a dispute domain of the \"8+N\" scheme; service: a resident-facing service"`
	ResidentFacing bool   `json:"resident_facing" doc:"offered to residents on the QR appeal page"`
	Sort           int    `json:"sort" example:"11"`
	Archived       bool   `json:"archived"`
}

func categoryBody(c tenants.Category) Category {
	return Category{ID: c.ID, Code: c.Code, Name: c.Name, Group: c.Group, ResidentFacing: c.ResidentFacing, Sort: c.Sort, Archived: c.Archived}
}

// ItemPath names a department or category of a street.
type ItemPath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1"`
}

type createDepartmentInput struct {
	TenantPath
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"60" example:"市场监管所"`
		Kind string `json:"kind" enum:"center,police,justice,labor,petition,court,procuratorate,urban,other" example:"other"`
	}
}

// DepartmentPath names a department; the department is the target.
type DepartmentPath struct {
	ItemPath
}

func (in *DepartmentPath) targetDepartment() int64 { return in.ID }

type updateDepartmentInput struct {
	DepartmentPath
	Body struct {
		Name     *string `json:"name,omitempty" minLength:"1" maxLength:"60"`
		Sort     *int    `json:"sort,omitempty"`
		Archived *bool   `json:"archived,omitempty" doc:"true archives, false restores"`
	}
}

type createCategoryInput struct {
	TenantPath
	Body struct {
		Code           string `json:"code" pattern:"^[a-z][a-z0-9_]{1,39}$" example:"education"`
		Name           string `json:"name" minLength:"1" maxLength:"60" example:"教育纠纷"`
		Group          string `json:"group" enum:"domain,service"`
		ResidentFacing bool   `json:"resident_facing,omitempty"`
	}
}

type updateCategoryInput struct {
	ItemPath
	Body struct {
		Name           *string `json:"name,omitempty" minLength:"1" maxLength:"60"`
		Sort           *int    `json:"sort,omitempty"`
		ResidentFacing *bool   `json:"resident_facing,omitempty"`
		Archived       *bool   `json:"archived,omitempty" doc:"true archives, false restores"`
	}
}

func (s *Server) registerCatalogues(api huma.API) {
	tags := []string{"Departments and categories"}
	tenantOp(s, api, huma.Operation{
		OperationID: "list-departments", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/departments", Tags: tags,
		Summary: "List a street's departments",
	}, need{Resource: "department", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *TenantPath) (*departmentList, error) {
		list, err := s.Tenants.Departments(ctx, st.Scope)
		if err != nil {
			return nil, err
		}
		out := &departmentList{}
		out.Body.Items = make([]Department, len(list))
		for i, d := range list {
			out.Body.Items[i] = departmentBody(d)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-department", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/departments/{id}", Tags: tags,
		Summary: "Get a department", Description: "Checked at the department: department staff see their own department only.",
	}, need{Resource: "department", Action: "read"}, func(ctx context.Context, st street, in *DepartmentPath) (*departmentOutput, error) {
		list, err := s.Tenants.Departments(ctx, st.Scope)
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			if d.ID == in.ID {
				return &departmentOutput{Body: departmentBody(d)}, nil
			}
		}
		return nil, fengqiao.Errorf(fengqiao.ENOTFOUND, "department %d not found", in.ID)
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "create-department", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/departments", Tags: tags,
		Summary: "Add a department", DefaultStatus: http.StatusCreated,
	}, need{Resource: "department", Action: "write"}, func(ctx context.Context, st street, in *createDepartmentInput) (*departmentOutput, error) {
		d, err := s.Tenants.CreateDepartment(ctx, st.Scope, in.Body.Name, in.Body.Kind)
		if err != nil {
			return nil, err
		}
		return &departmentOutput{Body: departmentBody(d)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "update-department", Method: http.MethodPatch, Path: "/api/v1/tenants/{tenantCode}/departments/{id}", Tags: tags,
		Summary: "Rename, reorder, archive or restore a department",
	}, need{Resource: "department", Action: "write"}, func(ctx context.Context, st street, in *updateDepartmentInput) (*departmentOutput, error) {
		d, err := s.Tenants.UpdateDepartment(ctx, st.Scope, in.ID, tenants.DepartmentChange{Name: in.Body.Name, Sort: in.Body.Sort, Archived: in.Body.Archived})
		if err != nil {
			return nil, err
		}
		return &departmentOutput{Body: departmentBody(d)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "list-categories", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/categories", Tags: tags,
		Summary: "List a street's case categories",
	}, need{Resource: "category", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *TenantPath) (*categoryList, error) {
		list, err := s.Tenants.Categories(ctx, st.Scope)
		if err != nil {
			return nil, err
		}
		out := &categoryList{}
		out.Body.Items = make([]Category, len(list))
		for i, c := range list {
			out.Body.Items[i] = categoryBody(c)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "create-category", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/categories", Tags: tags,
		Summary: "Add a case category", DefaultStatus: http.StatusCreated,
	}, need{Resource: "category", Action: "write"}, func(ctx context.Context, st street, in *createCategoryInput) (*categoryOutput, error) {
		c, err := s.Tenants.CreateCategory(ctx, st.Scope, tenants.Category{Code: in.Body.Code, Name: in.Body.Name, Group: in.Body.Group, ResidentFacing: in.Body.ResidentFacing})
		if err != nil {
			return nil, err
		}
		return &categoryOutput{Body: categoryBody(c)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "update-category", Method: http.MethodPatch, Path: "/api/v1/tenants/{tenantCode}/categories/{id}", Tags: tags,
		Summary: "Edit, archive or restore a case category",
	}, need{Resource: "category", Action: "write"}, func(ctx context.Context, st street, in *updateCategoryInput) (*categoryOutput, error) {
		c, err := s.Tenants.UpdateCategory(ctx, st.Scope, in.ID, tenants.CategoryChange{Name: in.Body.Name, Sort: in.Body.Sort, ResidentFacing: in.Body.ResidentFacing, Archived: in.Body.Archived})
		if err != nil {
			return nil, err
		}
		return &categoryOutput{Body: categoryBody(c)}, nil
	})
}

type departmentList struct {
	Body struct {
		Items []Department `json:"items"`
	}
}

type departmentOutput struct{ Body Department }

type categoryList struct {
	Body struct {
		Items []Category `json:"items"`
	}
}

type categoryOutput struct{ Body Category }

package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Node is one place in a street's hierarchy.
type Node struct {
	ID         int64     `json:"id" example:"17"`
	Kind       string    `json:"kind" enum:"street,community,zone,grid,building" example:"community"`
	Code       string    `json:"code" example:"371326001002"`
	Name       string    `json:"name" example:"东关社区"`
	ParentID   *int64    `json:"parent_id" example:"1" doc:"null for the street root"`
	ChildCount int       `json:"child_count" example:"5" doc:"live direct children"`
	Archived   bool      `json:"archived"`
	CreatedAt  time.Time `json:"created_at"`
}

func nodeBody(n tenants.Node) Node {
	b := Node{ID: n.ID, Kind: string(n.Kind), Code: n.Code, Name: n.Name, ChildCount: n.ChildCount, Archived: n.Archived, CreatedAt: n.CreatedAt}
	if n.ParentID != 0 {
		parent := n.ParentID
		b.ParentID = &parent
	}
	return b
}

// NodeRef names an ancestor.
type NodeRef struct {
	ID   int64  `json:"id" example:"1"`
	Kind string `json:"kind" enum:"street,community,zone,grid,building" example:"street"`
	Code string `json:"code" example:"371326001"`
	Name string `json:"name" example:"平邑街道"`
}

func pathBody(path []tenants.NodeRef) []NodeRef {
	out := make([]NodeRef, len(path))
	for i, r := range path {
		out[i] = NodeRef{ID: r.ID, Kind: string(r.Kind), Code: r.Code, Name: r.Name}
	}
	return out
}

// NodeHit is a search result.
type NodeHit struct {
	Node
	Path []NodeRef `json:"path" doc:"ancestors, root first"`
}

// NodeDetail is a node with its ancestors and subtree size.
type NodeDetail struct {
	Node
	Path             []NodeRef   `json:"path" doc:"ancestors, root first"`
	DescendantCounts LevelCounts `json:"descendant_counts" doc:"live nodes below, per level (0 for levels at or above the node)"`
	Permissions      []string    `json:"permissions" doc:"what the caller may do at this node, as resource:action"`
}

type nodeOutput struct{ Body Node }

type nodeList struct {
	Body struct {
		Items []Node `json:"items"`
	}
}

type listNodesInput struct {
	TenantPath
	ParentID int64 `query:"parent_id" minimum:"1" doc:"list this node's children; omit for the street root"`
}

type searchNodesInput struct {
	TenantPath
	Q     string `query:"q" required:"true" minLength:"1" maxLength:"100" example:"东关" doc:"part of a name, or the start of a code"`
	Limit int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// NodePath names a node of a street.
type NodePath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1" example:"17"`
}

type createNodeInput struct {
	TenantPath
	Body struct {
		ParentID int64  `json:"parent_id" minimum:"1" example:"17"`
		Kind     string `json:"kind" enum:"community,zone,grid,building" example:"zone"`
		Code     string `json:"code" pattern:"^[0-9]{12,20}$" example:"37132600100201" doc:"the parent's code followed by this level's number (community 12, zone 14, grid 17, building 20 digits)"`
		Name     string `json:"name" minLength:"1" maxLength:"100" example:"一片区"`
	}
}

type renameNodeInput struct {
	NodePath
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"100" example:"东关社区"`
	}
}

type moveNodeInput struct {
	NodePath
	Body struct {
		ParentID int64 `json:"parent_id" minimum:"1" example:"23" doc:"a node one level above the moved node"`
	}
}

type importForm struct {
	File huma.FormFile `form:"file" required:"true" doc:"CSV (UTF-8 or GB18030) or XLSX with the columns level, code, name, parent_code"`
}

type importInput struct {
	TenantPath
	RawBody huma.MultipartFormFiles[importForm]
}

type importOutput struct {
	Body struct {
		Total   int         `json:"total" example:"1234" doc:"rows imported"`
		Created LevelCounts `json:"created"`
	}
}

func (in *listNodesInput) targetNode() int64  { return in.ParentID }
func (in *NodePath) targetNode() int64        { return in.ID }
func (in *createNodeInput) targetNode() int64 { return in.Body.ParentID }

func (s *Server) registerNodes(api huma.API) {
	tags := []string{"Hierarchy"}
	read, write := need{Resource: "node", Action: "read"}, need{Resource: "node", Action: "write"}
	tenantOp(s, api, huma.Operation{
		OperationID: "list-nodes", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes", Tags: tags,
		Summary: "List a level of the tree",
		Description: "Without parent_id: the top of the tree the caller may see (the street root, or the nodes where the caller's roles are held). " +
			"With parent_id: that node's live children, by code. The tree loads lazily, one level at a time.",
	}, need{Resource: "node", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *listNodesInput) (*nodeList, error) {
		var nodes []tenants.Node
		var err error
		if in.ParentID == 0 {
			nodes, err = s.visibleRoots(ctx, st)
		} else if err = s.require(ctx, &st.Tenant, nodeChain(st.Tenant, st.Node), read); err == nil {
			nodes, err = s.Tenants.Children(ctx, st.Scope, in.ParentID)
		}
		if err != nil {
			return nil, err
		}
		out := &nodeList{}
		out.Body.Items = make([]Node, len(nodes))
		for i, n := range nodes {
			out.Body.Items[i] = nodeBody(n)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "search-nodes", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes/search", Tags: tags,
		Summary:     "Search the tree by name or code",
		Description: "Live nodes the caller may see whose name contains q or whose code starts with q; code matches first.",
	}, need{Resource: "node", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *searchNodesInput) (*nodeHitList, error) {
		hits, err := s.Tenants.Search(ctx, st.Scope, in.Q, 200)
		if err != nil {
			return nil, err
		}
		p, _ := principalFrom(ctx)
		out := &nodeHitList{}
		out.Body.Items = []NodeHit{}
		for _, h := range hits {
			if len(out.Body.Items) == in.Limit {
				break
			}
			if s.can(p, &st.Tenant, nodeChain(st.Tenant, h.Node), read) {
				out.Body.Items = append(out.Body.Items, NodeHit{Node: nodeBody(h.Node), Path: pathBody(h.Path)})
			}
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-node", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}", Tags: tags,
		Summary: "Get a node with its path, subtree counts and the caller's permissions there",
	}, read, func(ctx context.Context, st street, in *NodePath) (*nodeDetailOutput, error) {
		d, err := s.Tenants.NodeDetail(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		return &nodeDetailOutput{Body: NodeDetail{Node: nodeBody(d.Node), Path: pathBody(d.Path), DescendantCounts: levelCounts(d.DescendantCounts),
			Permissions: s.permissionsAt(ctx, &st.Tenant, nodeChain(st.Tenant, d.Node))}}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "create-node", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/nodes", Tags: tags,
		Summary: "Add a node", DefaultStatus: http.StatusCreated,
		Description: "The kind must be the level right below the parent's, and the code must extend the parent's code. Needs node:write at the parent.",
	}, write, func(ctx context.Context, st street, in *createNodeInput) (*nodeOutput, error) {
		n, err := s.Tenants.CreateNode(ctx, st.Scope, tenants.NewNode{ParentID: in.Body.ParentID, Kind: tenants.Kind(in.Body.Kind), Code: in.Body.Code, Name: in.Body.Name})
		if err != nil {
			return nil, err
		}
		return &nodeOutput{Body: nodeBody(n)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "rename-node", Method: http.MethodPatch, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}", Tags: tags,
		Summary: "Rename a node",
	}, write, func(ctx context.Context, st street, in *renameNodeInput) (*nodeOutput, error) {
		n, err := s.Tenants.RenameNode(ctx, st.Scope, in.ID, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &nodeOutput{Body: nodeBody(n)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "move-node", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/move", Tags: tags,
		Summary:     "Move a node under another parent",
		Description: "Its whole subtree follows. Codes are identifiers and do not change. Needs node:write at the node and at the new parent.",
	}, write, func(ctx context.Context, st street, in *moveNodeInput) (*nodeOutput, error) {
		parent, err := s.Tenants.Node(ctx, st.Scope, in.Body.ParentID)
		if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
			return nil, fengqiao.Invalid("body.parent_id", "new parent not found", in.Body.ParentID)
		}
		if err != nil {
			return nil, err
		}
		if err := s.require(ctx, &st.Tenant, nodeChain(st.Tenant, parent), write); err != nil {
			return nil, err
		}
		n, err := s.Tenants.MoveNode(ctx, st.Scope, in.ID, in.Body.ParentID)
		if err != nil {
			return nil, err
		}
		return &nodeOutput{Body: nodeBody(n)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "archive-node", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/archive", Tags: tags,
		Summary: "Archive a node and its subtree", Description: "Archived nodes leave the tree but keep their rows and codes for history.",
	}, write, func(ctx context.Context, st street, in *NodePath) (*nodeOutput, error) {
		n, err := s.Tenants.ArchiveNode(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		return &nodeOutput{Body: nodeBody(n)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "import-hierarchy", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/hierarchy/import", Tags: tags,
		Summary: "Import the hierarchy from CSV or XLSX", MaxBodyBytes: tenants.MaxImportBytes + 1<<20,
		Description: "Columns level (community/zone/grid/building or 社区/片区/网格/楼栋), code, name, parent_code; rows in any order. " +
			"All or nothing: any bad row fails the import with a 422 listing every problem as `file[line].column`.",
	}, need{Resource: "hierarchy", Action: "import"}, func(ctx context.Context, st street, in *importInput) (*importOutput, error) {
		form := in.RawBody.Data()
		if form == nil || !form.File.IsSet {
			return nil, fengqiao.Invalid("file", "attach the file as the multipart field file", nil)
		}
		defer form.File.Close()
		rows, err := tenants.ParseImportFile(form.File.Filename, form.File)
		if err != nil {
			return nil, err
		}
		res, err := s.Tenants.Import(ctx, st.Scope, rows)
		if err != nil {
			return nil, err
		}
		out := &importOutput{}
		out.Body.Total, out.Body.Created = res.Total, levelCounts(res.Created)
		return out, nil
	})
}

// visibleRoots is the top of the tree the caller may see: the street root,
// or else the nodes where the caller holds roles, minus those below another.
func (s *Server) visibleRoots(ctx context.Context, st street) ([]tenants.Node, error) {
	p, _ := principalFrom(ctx)
	read := need{Resource: "node", Action: "read"}
	if s.can(p, &st.Tenant, streetChain(st.Tenant), read) {
		root, err := s.Tenants.Root(ctx, st.Scope)
		return []tenants.Node{root}, err
	}
	var candidates []tenants.Node
	seen := map[int64]bool{}
	for _, m := range p.Memberships {
		if m.TenantID != st.ID || m.NodeID == 0 || seen[m.NodeID] {
			continue
		}
		seen[m.NodeID] = true
		n, err := s.Tenants.Node(ctx, st.Scope, m.NodeID)
		if err != nil {
			return nil, err
		}
		if !n.Archived && s.can(p, &st.Tenant, nodeChain(st.Tenant, n), read) {
			candidates = append(candidates, n)
		}
	}
	var roots []tenants.Node
	for _, n := range candidates {
		covered := false
		for _, other := range candidates {
			covered = covered || (other.ID != n.ID && slices.Contains(nodeChain(st.Tenant, n), nodeDomain(other.ID)))
		}
		if !covered {
			roots = append(roots, n)
		}
	}
	return roots, nil
}

type nodeHitList struct {
	Body struct {
		Items []NodeHit `json:"items"`
	}
}

type nodeDetailOutput struct{ Body NodeDetail }

package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
)

// Kind is a level of the hierarchy below the county (the district level is
// the county itself).
type Kind string

// The levels, top down.
const (
	KindStreet    Kind = "street"
	KindCommunity Kind = "community"
	KindZone      Kind = "zone"
	KindGrid      Kind = "grid"
	KindBuilding  Kind = "building"
)

// Levels lists the kinds from the root down.
var Levels = []Kind{KindStreet, KindCommunity, KindZone, KindGrid, KindBuilding}

// codeLengths follows GB/T 2260 + the statistical division code for the
// first 12 digits (county 6, street 3, community 3), then CJ/T 349-style
// numbers: zone 2, grid 3, building 3.
var codeLengths = map[Kind]int{KindStreet: 9, KindCommunity: 12, KindZone: 14, KindGrid: 17, KindBuilding: 20}

func (k Kind) level() int {
	for i, l := range Levels {
		if l == k {
			return i
		}
	}
	return -1
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k.level() >= 0 }

// Child is the kind one level below k, or "" for a building.
func (k Kind) Child() Kind {
	if i := k.level(); i >= 0 && i+1 < len(Levels) {
		return Levels[i+1]
	}
	return ""
}

// Parent is the kind one level above k, or "" for a street.
func (k Kind) Parent() Kind {
	if i := k.level(); i > 0 {
		return Levels[i-1]
	}
	return ""
}

// CodeLength is the number of digits a code of this kind has.
func (k Kind) CodeLength() int { return codeLengths[k] }

// AncestorColumn is the column that holds a node's ancestor (or the node
// itself) at level k. The street level is the tenant; buildings are leaves.
func (k Kind) AncestorColumn() string {
	switch k {
	case KindCommunity:
		return "community_id"
	case KindZone:
		return "zone_id"
	case KindGrid:
		return "grid_id"
	}
	return ""
}

// ancestorKinds are the levels that have an ancestor column, top down.
var ancestorKinds = []Kind{KindCommunity, KindZone, KindGrid}

// Node is one place in a street's hierarchy.
type Node struct {
	ID          int64
	Kind        Kind
	ParentID    int64 // 0 for the street root
	Code        string
	Name        string
	CommunityID int64
	ZoneID      int64
	GridID      int64
	ChildCount  int
	Archived    bool
	CreatedAt   time.Time
}

// ancestorID returns the node's ancestor (or itself) at level k.
func (n Node) ancestorID(k Kind) int64 {
	switch k {
	case KindCommunity:
		return n.CommunityID
	case KindZone:
		return n.ZoneID
	case KindGrid:
		return n.GridID
	}
	return 0
}

// NodeRef names a node in a path.
type NodeRef struct {
	ID   int64
	Kind Kind
	Code string
	Name string
}

// NodeDetail is a node with its ancestors and the size of its subtree.
type NodeDetail struct {
	Node
	Path             []NodeRef // root first, parent last
	DescendantCounts map[Kind]int
}

const nodeColumns = `n.id, n.kind, coalesce(n.parent_id, 0), n.code, n.name,
	coalesce(n.community_id, 0), coalesce(n.zone_id, 0), coalesce(n.grid_id, 0),
	(SELECT count(*) FROM org_nodes c WHERE c.tenant_id = n.tenant_id AND c.parent_id = n.id AND c.archived_at IS NULL),
	n.archived_at IS NOT NULL, n.created_at`

func scanNode(row pgx.Row) (Node, error) {
	var n Node
	err := row.Scan(&n.ID, &n.Kind, &n.ParentID, &n.Code, &n.Name, &n.CommunityID, &n.ZoneID, &n.GridID,
		&n.ChildCount, &n.Archived, &n.CreatedAt)
	return n, err
}

func collectNodes(rows pgx.Rows) ([]Node, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Node, error) { return scanNode(r) })
}

// Root returns the street node at the top of a tenant's tree.
func (s *Service) Root(ctx context.Context, scope Scope) (Node, error) {
	var n Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		n, err = scanNode(tx.QueryRow(ctx, `SELECT `+nodeColumns+` FROM org_nodes n
			WHERE n.tenant_id = $1 AND n.kind = 'street'`, scope.TenantID))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Node{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "street has no hierarchy")
	}
	if err != nil {
		return Node{}, fmt.Errorf("load root of tenant %d: %w", scope.TenantID, err)
	}
	return n, nil
}

// Children lists a node's direct children that are not archived, by code.
func (s *Service) Children(ctx context.Context, scope Scope, parentID int64) ([]Node, error) {
	var out []Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := getNode(ctx, tx, scope.TenantID, parentID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+nodeColumns+` FROM org_nodes n
			WHERE n.tenant_id = $1 AND n.parent_id = $2 AND n.archived_at IS NULL ORDER BY n.code`, scope.TenantID, parentID)
		if err != nil {
			return err
		}
		out, err = collectNodes(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list children of node %d: %w", parentID, err)
	}
	return out, nil
}

func getNode(ctx context.Context, tx pgx.Tx, tenantID, id int64) (Node, error) {
	n, err := scanNode(tx.QueryRow(ctx, `SELECT `+nodeColumns+` FROM org_nodes n WHERE n.tenant_id = $1 AND n.id = $2`, tenantID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Node{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "node %d not found", id)
	}
	return n, err
}

// Node returns one node, archived or not.
func (s *Service) Node(ctx context.Context, scope Scope, id int64) (Node, error) {
	var n Node
	err := s.db.Read(ctx, scope, func(row pgx.Row) (err error) {
		n, err = scanNode(row)
		return err
	}, `SELECT `+nodeColumns+` FROM org_nodes n WHERE n.tenant_id = $1 AND n.id = $2`, scope.TenantID, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Node{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "node %d not found", id)
	}
	if err != nil {
		return Node{}, fmt.Errorf("load node %d: %w", id, err)
	}
	return n, nil
}

// NodeDetail returns a node with its path and subtree counts.
func (s *Service) NodeDetail(ctx context.Context, scope Scope, id int64) (NodeDetail, error) {
	var d NodeDetail
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		if d.Node, err = getNode(ctx, tx, scope.TenantID, id); err != nil {
			return err
		}
		paths, err := loadPaths(ctx, tx, scope.TenantID, []Node{d.Node})
		if err != nil {
			return err
		}
		d.Path = paths[d.ID]
		d.DescendantCounts, err = descendantCounts(ctx, tx, scope.TenantID, d.Node)
		return err
	})
	if err != nil {
		return NodeDetail{}, fmt.Errorf("load node %d: %w", id, err)
	}
	return d, nil
}

// descendantCounts counts the live nodes below n by kind, using n's level
// column so the count is an index lookup.
func descendantCounts(ctx context.Context, tx pgx.Tx, tenantID int64, n Node) (map[Kind]int, error) {
	counts := map[Kind]int{}
	for _, k := range Levels[n.Kind.level()+1:] {
		counts[k] = 0
	}
	if n.Kind == KindBuilding {
		return counts, nil
	}
	query := `SELECT kind, count(*) FROM org_nodes WHERE tenant_id = $1 AND archived_at IS NULL AND kind <> $2`
	args := []any{tenantID, string(n.Kind)}
	if col := n.Kind.AncestorColumn(); col != "" {
		query += ` AND ` + col + ` = $3`
		args = append(args, n.ID)
	}
	rows, err := tx.Query(ctx, query+` GROUP BY kind`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k Kind
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			return nil, err
		}
		counts[k] = c
	}
	return counts, rows.Err()
}

// loadPaths returns each node's ancestors, root first, in one query.
func loadPaths(ctx context.Context, tx pgx.Tx, tenantID int64, nodes []Node) (map[int64][]NodeRef, error) {
	idSet := map[int64]bool{}
	for _, n := range nodes {
		for _, k := range ancestorKinds {
			if id := n.ancestorID(k); id != 0 && id != n.ID {
				idSet[id] = true
			}
		}
	}
	ids := make([]int64, 0, len(idSet))
	for id := range idSet {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT id, kind, code, name FROM org_nodes
		WHERE tenant_id = $1 AND (id = ANY($2) OR kind = 'street')`, tenantID, ids)
	if err != nil {
		return nil, err
	}
	refs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[NodeRef])
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]NodeRef, len(refs))
	var root NodeRef
	for _, r := range refs {
		byID[r.ID] = r
		if r.Kind == KindStreet {
			root = r
		}
	}
	out := make(map[int64][]NodeRef, len(nodes))
	for _, n := range nodes {
		path := []NodeRef{}
		if n.Kind != KindStreet {
			path = append(path, root)
		}
		for _, k := range ancestorKinds {
			if id := n.ancestorID(k); id != 0 && id != n.ID {
				path = append(path, byID[id])
			}
		}
		out[n.ID] = path
	}
	return out, nil
}

// NodeHit is a search result with its path.
type NodeHit struct {
	Node
	Path []NodeRef
}

// Search finds live nodes whose name contains q or whose code starts with q.
// Code-prefix hits come first, then shorter (higher) codes.
func (s *Service) Search(ctx context.Context, scope Scope, q string, limit int) ([]NodeHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, fengqiao.Invalid("query.q", "search text is required", q)
	}
	switch {
	case limit <= 0:
		limit = 50
	case limit > 200:
		limit = 200
	}
	pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	var hits []NodeHit
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+nodeColumns+` FROM org_nodes n
			WHERE n.tenant_id = $1 AND n.archived_at IS NULL AND (n.code LIKE $2 || '%' OR n.name ILIKE '%' || $2 || '%')
			ORDER BY n.code LIKE $2 || '%' DESC, length(n.code), n.code LIMIT $3`, scope.TenantID, pattern, limit)
		if err != nil {
			return err
		}
		nodes, err := collectNodes(rows)
		if err != nil {
			return err
		}
		paths, err := loadPaths(ctx, tx, scope.TenantID, nodes)
		if err != nil {
			return err
		}
		hits = make([]NodeHit, len(nodes))
		for i, n := range nodes {
			hits[i] = NodeHit{Node: n, Path: paths[n.ID]}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search nodes for %q: %w", q, err)
	}
	return hits, nil
}

// NewNode is what a caller supplies to create a node.
type NewNode struct {
	ParentID int64
	Kind     Kind
	Code     string
	Name     string
}

// CreateNode adds a node below an existing one.
func (s *Service) CreateNode(ctx context.Context, scope Scope, in NewNode) (Node, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Code = strings.TrimSpace(in.Code)
	var created Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		parent, err := getNode(ctx, tx, scope.TenantID, in.ParentID)
		if err != nil {
			if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
				return fengqiao.Invalid("body.parent_id", "parent node not found", in.ParentID)
			}
			return err
		}
		var problems []fengqiao.FieldError
		add := func(loc, msg string, v any) {
			problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
		}
		if parent.Archived {
			add("body.parent_id", "parent node is archived", in.ParentID)
		}
		if !in.Kind.Valid() || in.Kind == KindStreet {
			add("body.kind", "kind must be community, zone, grid or building", in.Kind)
		} else if in.Kind.Parent() != parent.Kind {
			add("body.kind", fmt.Sprintf("a %s cannot be placed under a %s; expected %s", in.Kind, parent.Kind, parent.Kind.Child()), in.Kind)
		} else if msg := checkCode(in.Kind, in.Code, parent.Code); msg != "" {
			add("body.code", msg, in.Code)
		}
		if msg := checkName(in.Name); msg != "" {
			add("body.name", msg, in.Name)
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid node", Fields: problems}
		}
		ids, err := allocateNodeIDs(ctx, tx, 1)
		if err != nil {
			return err
		}
		n := Node{ID: ids[0], Kind: in.Kind, ParentID: parent.ID, Code: in.Code, Name: in.Name,
			CommunityID: parent.CommunityID, ZoneID: parent.ZoneID, GridID: parent.GridID}
		n.setOwnLevel()
		if _, err := tx.Exec(ctx, `INSERT INTO org_nodes (tenant_id, id, kind, parent_id, code, name, community_id, zone_id, grid_id)
			VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0), nullif($8, 0), nullif($9, 0))`,
			scope.TenantID, n.ID, n.Kind, n.ParentID, n.Code, n.Name, n.CommunityID, n.ZoneID, n.GridID); err != nil {
			if fengqiao.ErrorCode(mapPgError(err)) == fengqiao.ECONFLICT {
				return fengqiao.Invalid("body.code", "a node with this code already exists", in.Code)
			}
			return err
		}
		created, err = getNode(ctx, tx, scope.TenantID, n.ID)
		return err
	})
	if err != nil {
		return Node{}, fmt.Errorf("create node %s: %w", in.Code, err)
	}
	return created, nil
}

// setOwnLevel records the node as its own ancestor at its level.
func (n *Node) setOwnLevel() {
	switch n.Kind {
	case KindCommunity:
		n.CommunityID = n.ID
	case KindZone:
		n.ZoneID = n.ID
	case KindGrid:
		n.GridID = n.ID
	}
}

// checkCode returns why code is not a valid code of kind under parentCode,
// or "".
func checkCode(kind Kind, code, parentCode string) string {
	want := kind.CodeLength()
	if len(code) != want || strings.Trim(code, "0123456789") != "" {
		return fmt.Sprintf("a %s code has %d digits", kind, want)
	}
	if !strings.HasPrefix(code, parentCode) {
		return fmt.Sprintf("code must start with its parent's code %s", parentCode)
	}
	return ""
}

// checkName returns why name is not a valid node name, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "name is required"
	case utf8.RuneCountInString(name) > maxNameLength:
		return fmt.Sprintf("name is longer than %d characters", maxNameLength)
	}
	return ""
}

const maxNameLength = 100

func allocateNodeIDs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('org_nodes', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("allocate node ids: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// RenameNode changes a node's name.
func (s *Service) RenameNode(ctx context.Context, scope Scope, id int64, name string) (Node, error) {
	name = strings.TrimSpace(name)
	if msg := checkName(name); msg != "" {
		return Node{}, fengqiao.Invalid("body.name", msg, name)
	}
	var n Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		if n, err = getNode(ctx, tx, scope.TenantID, id); err != nil {
			return err
		}
		if n.Kind == KindStreet {
			return fengqiao.Invalid("path.id", "rename the street itself through the street's settings", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE org_nodes SET name = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			scope.TenantID, id, name); err != nil {
			return err
		}
		n.Name = name
		return nil
	})
	if err != nil {
		return Node{}, fmt.Errorf("rename node %d: %w", id, err)
	}
	return n, nil
}

// MoveNode puts a node under a new parent of the level above it. Its
// descendants follow: their ancestor columns above the node's level are
// rewritten in one statement. Codes are identifiers and stay as they are.
func (s *Service) MoveNode(ctx context.Context, scope Scope, id, newParentID int64) (Node, error) {
	var moved Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		n, err := getNode(ctx, tx, scope.TenantID, id)
		if err != nil {
			return err
		}
		if n.Kind == KindStreet {
			return fengqiao.Invalid("path.id", "the street root cannot be moved", id)
		}
		if n.Archived {
			return fengqiao.Invalid("path.id", "an archived node cannot be moved", id)
		}
		parent, err := getNode(ctx, tx, scope.TenantID, newParentID)
		if err != nil {
			if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
				return fengqiao.Invalid("body.parent_id", "new parent not found", newParentID)
			}
			return err
		}
		if parent.Kind != n.Kind.Parent() {
			return fengqiao.Invalid("body.parent_id", fmt.Sprintf("a %s must be placed under a %s, not a %s", n.Kind, n.Kind.Parent(), parent.Kind), newParentID)
		}
		if parent.Archived {
			return fengqiao.Invalid("body.parent_id", "new parent is archived", newParentID)
		}
		sets := []string{}
		args := []any{scope.TenantID, n.ID}
		for _, k := range ancestorKinds {
			if k.level() >= n.Kind.level() {
				break
			}
			args = append(args, parent.ancestorID(k))
			sets = append(sets, fmt.Sprintf("%s = $%d", k.AncestorColumn(), len(args)))
		}
		subtree := "id = $2"
		if col := n.Kind.AncestorColumn(); col != "" {
			subtree = col + " = $2"
		}
		if len(sets) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE org_nodes SET `+strings.Join(sets, ", ")+`, updated_at = now()
				WHERE tenant_id = $1 AND `+subtree, args...); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE org_nodes SET parent_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			scope.TenantID, n.ID, parent.ID); err != nil {
			return err
		}
		moved, err = getNode(ctx, tx, scope.TenantID, n.ID)
		return err
	})
	if err != nil {
		return Node{}, fmt.Errorf("move node %d under %d: %w", id, newParentID, err)
	}
	return moved, nil
}

// ArchiveNode archives a node and everything below it. Rows stay for the
// history of cases that point at them.
func (s *Service) ArchiveNode(ctx context.Context, scope Scope, id int64) (Node, error) {
	var archived Node
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		n, err := getNode(ctx, tx, scope.TenantID, id)
		if err != nil {
			return err
		}
		if n.Kind == KindStreet {
			return fengqiao.Invalid("path.id", "the street root cannot be archived", id)
		}
		subtree := "id = $2"
		if col := n.Kind.AncestorColumn(); col != "" {
			subtree = col + " = $2"
		}
		if _, err := tx.Exec(ctx, `UPDATE org_nodes SET archived_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND archived_at IS NULL AND `+subtree, scope.TenantID, n.ID); err != nil {
			return err
		}
		archived, err = getNode(ctx, tx, scope.TenantID, n.ID)
		return err
	})
	if err != nil {
		return Node{}, fmt.Errorf("archive node %d: %w", id, err)
	}
	return archived, nil
}

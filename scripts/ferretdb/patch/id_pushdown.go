// Added to FerretDB's SQLite backend at build time by ephr-fhir (src/storage/embedded-ferretdb.ts).

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushdownIDs stays far below SQLite's limit on bound parameters (32766).
const maxPushdownIDs = 10000

// idWhereClause hands the filter's condition on _id (one value, $in of values, or every string with a prefix) to
// SQLite's _id index, whatever else the filter says: the handler applies the whole filter to the rows returned, so a superset is safe.
func idWhereClause(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	seen := 0
	for _, k := range filter.Keys() {
		if k == "_id" {
			seen++
		}
	}
	if seen != 1 {
		return "", nil
	}

	v := must.NotFail(filter.Get("_id"))
	if isIDScalar(v) {
		return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
	}

	cond, ok := v.(*types.Document)
	if !ok {
		return "", nil
	}

	if lo, hi, ok := prefixRange(cond); ok {
		// The column holds each _id as JSON text ("Patient/1", quotes included). Every string that starts with lo
		// is written as a quote and lo, then more; so the rows wanted lie between a quote and lo, and a quote and hi.
		return fmt.Sprintf(` WHERE %s >= ? AND %s < ?`, metadata.IDColumn, metadata.IDColumn), []any{`"` + lo, `"` + hi}
	}

	if cond.Len() != 1 || cond.Keys()[0] != "$in" {
		return "", nil
	}

	in, ok := must.NotFail(cond.Get("$in")).(*types.Array)
	if !ok || in.Len() == 0 || in.Len() > maxPushdownIDs {
		return "", nil
	}

	placeholders := make([]string, in.Len())
	args := make([]any, in.Len())
	for i := 0; i < in.Len(); i++ {
		e := must.NotFail(in.Get(i))
		if !isIDScalar(e) {
			return "", nil
		}
		placeholders[i] = "?"
		args[i] = string(must.NotFail(sjson.MarshalSingleValue(e)))
	}

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, strings.Join(placeholders, ", ")), args
}

// prefixRange recognises {$gte: P, $lt: Q} where Q is P with its last character one higher: every string that
// starts with P, and no other. P and Q must be characters that JSON writes as themselves, so that the order of
// their JSON text is the order of the strings.
func prefixRange(cond *types.Document) (string, string, bool) {
	if cond.Len() != 2 || !cond.Has("$gte") || !cond.Has("$lt") {
		return "", "", false
	}

	lo, ok1 := must.NotFail(cond.Get("$gte")).(string)
	hi, ok2 := must.NotFail(cond.Get("$lt")).(string)
	if !ok1 || !ok2 || len(lo) == 0 || len(lo) != len(hi) || !plainID(lo) || !plainID(hi) {
		return "", "", false
	}

	n := len(lo) - 1
	if lo[:n] != hi[:n] || hi[n] != lo[n]+1 {
		return "", "", false
	}

	return lo, hi, true
}

// plainID reports whether s holds only letters, digits and "-./_|:;", which JSON text writes unchanged (";" is
// the upper bound of a prefix that ends in ":").
func plainID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '/' || c == '_' || c == '|' || c == ':' || c == ';'
		if !ok {
			return false
		}
	}

	return true
}

func isIDScalar(v any) bool {
	switch v.(type) {
	case string, types.ObjectID:
		return true
	default:
		return false
	}
}

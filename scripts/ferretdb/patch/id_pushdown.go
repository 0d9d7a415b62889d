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

// idWhereClause hands the filter's condition on _id (one value, or $in of values) to SQLite's _id index, whatever
// else the filter says: the handler applies the whole filter to the rows returned, so a superset is safe.
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
	if !ok || cond.Len() != 1 || cond.Keys()[0] != "$in" {
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

func isIDScalar(v any) bool {
	switch v.(type) {
	case string, types.ObjectID:
		return true
	default:
		return false
	}
}

// Added to FerretDB's SQLite backend at build time by ephr-fhir (src/storage/embedded-ferretdb.ts).

package sqlite

import "github.com/FerretDB/FerretDB/internal/types"

type insertStatement struct {
	query string
	args  []any
}

// insertStatements encodes the documents of an insert, batchSize per statement, before its transaction takes the
// database's write lock: encoding is most of an insert's work, and other writers need not wait for it.
func insertStatements(table string, capped bool, docs []*types.Document, batchSize int) ([]insertStatement, error) {
	if batchSize < 1 {
		panic("batch-size should be greater or equal to 1")
	}

	var out []insertStatement

	for len(docs) > 0 {
		n := min(batchSize, len(docs))

		q, args, err := prepareInsertStatement(table, capped, docs[:n])
		if err != nil {
			return nil, err
		}

		out = append(out, insertStatement{query: q, args: args})
		docs = docs[n:]
	}

	return out, nil
}

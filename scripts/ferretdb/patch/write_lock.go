// Added to FerretDB's fsql package at build time by ephr-fhir (src/storage/embedded-ferretdb.ts).

package fsql

import (
	"context"
	"log/slog"
)

// lockWrites takes the database's write lock; the returned function releases it. SQLite lets one connection
// write at a time, and a connection that finds the lock taken sleeps in SQLite's busy handler for 1, 2, 5, 10 ms
// and longer before it tries again; waiting here instead wakes the next writer as soon as the lock is free.
func (db *DB) lockWrites() func() {
	db.writeMu.Lock()
	return db.writeMu.Unlock
}

// debugQuery logs a query at debug level only when that level is on: slog's With formats its fields at once,
// and the fields hold every document of an insert.
func debugQuery(ctx context.Context, l *slog.Logger, fields []any, msg string) {
	if l.Enabled(ctx, slog.LevelDebug) {
		l.With(fields...).DebugContext(ctx, msg)
	}
}

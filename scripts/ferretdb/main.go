// Command ferretdb-embedded runs FerretDB 1.24.2 with its SQLite backend for ephr-fhir's embedded database.
//
// It embeds the FerretDB module instead of building its CLI: the published module lacks the generated
// version file the CLI needs at start (FerretDB issue #2982), and the embeddable package does not read it.
// It prints one JSON line {"uri": "..."} on stdout once it accepts connections, and exits when its
// standard input closes, so a parent that dies, even by SIGKILL, never leaves it running: at most a few seconds
// after either, whatever queries are still running (FerretDB waits for every connection and query to end, and a
// query of a client that is gone can run on for minutes; SQLite's journal makes an exit at any point safe).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:0", "TCP address; when taken, a free port on the same host is used")
	dir := flag.String("sqlite-dir", "", "existing directory for the SQLite files")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if *dir == "" {
		fail("-sqlite-dir is required")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(err.Error())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad -log-level: " + err.Error())
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: freeAddr(*listen)},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		fail(err.Error())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The parent holds our stdin open; EOF means it is gone: nobody waits for an orderly end.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
		exitAfter(orphanGrace)
	}()
	// Asked to stop: a short orderly end, then out.
	go func() {
		<-ctx.Done()
		exitAfter(stopGrace)
	}()

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	line, _ := json.Marshal(map[string]string{"uri": f.MongoDBURI()})
	fmt.Println(string(line))

	<-done
}

const (
	// How long an orphan lets running queries end before it exits.
	orphanGrace = 1 * time.Second
	// How long a stop (SIGTERM, Ctrl-C) lets running queries end before it exits.
	stopGrace = 4 * time.Second
)

// exitAfter ends the process after d unless it has ended by then.
func exitAfter(d time.Duration) {
	time.Sleep(d)
	os.Exit(1)
}

// freeAddr returns addr when it can be bound, otherwise the same host with a port the kernel picks.
func freeAddr(addr string) string {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		_ = l.Close()
		return addr
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		fail("bad -listen-addr: " + splitErr.Error())
	}
	return net.JoinHostPort(host, "0")
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "ferretdb-embedded: "+msg)
	os.Exit(2)
}

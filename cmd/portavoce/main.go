// Command portavoce is the Portavoce server and its command line: one binary
// that serves the web UI, the REST API and the background workers.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/portavoce/portavoce/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if err != cli.ErrUsage {
			fmt.Fprintln(os.Stderr, "portavoce:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}

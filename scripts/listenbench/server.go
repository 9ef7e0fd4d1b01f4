package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source/jetstream/jetstreamtest"
)

// The local Jetstream runs in a child process (this program with -serve),
// so that the benchmark's CPU time and memory are the listening side's
// only: the server holds every event in memory, as a Jetstream's replay
// window does, which for 2.2 million posts is more than a gigabyte.

// serve is the child: it publishes the posts, prints "ready <url> <events>
// <seconds>" and serves until its standard input closes.
func serve(cfg config) error {
	brands := genBrands(cfg.seed, cfg.queries)
	js := jetstreamtest.NewServer()
	defer js.Close()
	start := time.Now()
	// PublishPost marshals outside the server's lock for the most part:
	// one worker per CPU. Posts interleave in the stream; the benchmark
	// counts them, it does not need them in order.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < cfg.posts; i += workers {
				p := genPostAt(cfg.seed, i, cfg.posts, brands, cfg.mentionRate)
				js.PublishPost(p.did, p.rkey, p.text, p.langs, p.at)
			}
		})
	}
	wg.Wait()
	fmt.Printf("ready %s %d %.1f\n", js.URL, js.Events(), time.Since(start).Seconds())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// jetstreamProcess is the running child.
type jetstreamProcess struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	URL     string
	Events  int
	Publish float64 // seconds it took to publish the posts
}

// startJetstream starts the child and waits until it has published every
// post.
func startJetstream(ctx context.Context, cfg config) (*jetstreamProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-serve",
		"-posts", fmt.Sprint(cfg.posts), "-queries", fmt.Sprint(cfg.queries),
		"-seed", fmt.Sprint(cfg.seed), "-mention-rate", fmt.Sprint(cfg.mentionRate))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	jp := &jetstreamProcess{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		jp.Stop()
		return nil, fmt.Errorf("the Jetstream process: %w", err)
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "ready %s %d %g", &jp.URL, &jp.Events, &jp.Publish); err != nil {
		jp.Stop()
		return nil, fmt.Errorf("the Jetstream process said %q: %w", line, err)
	}
	return jp, nil
}

// PID is the child's process id.
func (jp *jetstreamProcess) PID() int { return jp.cmd.Process.Pid }

// Stop closes the child's input, which ends it, and waits for it.
func (jp *jetstreamProcess) Stop() {
	jp.stdin.Close()
	done := make(chan struct{})
	go func() { _ = jp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = jp.cmd.Process.Kill()
		<-done
	}
}

// Command publishbench measures the publishing dispatcher end to end: many
// posts due in the same minute across many accounts, published by one or
// more real `portavoce serve` processes to local Mastodon and Bluesky test
// servers that answer after a fixed latency. It reports lateness (the
// network's receipt of each post minus its scheduled time), duplicates and
// losses.
//
//	go run ./scripts/publishbench                     # SQLite, one server
//	go run ./scripts/publishbench -database postgres://postgres@127.0.0.1:5432/test -nodes 2
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

func main() {
	posts := flag.Int("posts", 10000, "posts due in the same minute")
	accounts := flag.Int("accounts", 500, "accounts (half Mastodon, half Bluesky)")
	latency := flag.Duration("latency", 50*time.Millisecond, "how long the networks take to answer each call")
	database := flag.String("database", "", "PostgreSQL URL of an empty database (default: SQLite in a temporary folder); its public schema is reset")
	nodes := flag.Int("nodes", 1, "serve processes (more than one needs PostgreSQL)")
	lead := flag.Duration("lead", 20*time.Second, "how long after the servers start the posts are due")
	spread := flag.Duration("spread", 0, "spread the due times evenly over this window (0: all due at the same instant, as posts scheduled for 09:00 are)")
	flag.Parse()
	if *nodes > 1 && *database == "" {
		log.Fatal("several nodes need -database (PostgreSQL)")
	}
	if err := run(*posts, *accounts, *latency, *database, *nodes, *lead, *spread); err != nil {
		log.Fatal(err)
	}
}

func run(posts, accounts int, latency time.Duration, database string, nodes int, lead, spread time.Duration) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "publishbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "portavoce")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/portavoce").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	if database != "" {
		conn, err := pgx.Connect(ctx, database)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
			return err
		}
		conn.Close(ctx)
	}

	masto, sky := mastodontest.NewServer(), blueskytest.NewServer()
	defer masto.Close()
	defer sky.Close()

	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	opts := store.Options{DataDir: tmp, DatabaseURL: database}
	db, err := store.Open(ctx, opts)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	box, _ := secrets.NewBox(key)
	vault := secrets.NewVault(box, db)
	if err := vault.CheckKey(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	owner := p.User{ID: uuid.NewString(), Email: "bench@example.it", Name: "Bench", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}
	ws := p.Workspace{ID: uuid.NewString(), Slug: "bench", Name: "Bench", Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := db.CreateUser(ctx, owner); err != nil {
		return err
	}
	if err := db.CreateWorkspace(ctx, ws, owner.ID); err != nil {
		return err
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	mc, bc := mastodon.New(hc), bluesky.New(hc, sky.URL(), sky.URL())

	log.Printf("connecting %d accounts", accounts)
	connector := publish.NewConnector(db, vault, mc, bc, nil, nil)
	var ids, networks []string
	mastoIDs, dids := []string{}, []string{}
	for i := range accounts {
		var network, server string
		var profile provider.Profile
		var limits provider.Limits
		var creds []byte
		if i%2 == 0 {
			id, token := masto.CreateAccount(fmt.Sprintf("brand%d", i))
			mastoIDs = append(mastoIDs, id)
			if profile, limits, creds, err = mc.Connect(ctx, masto.URL(), token); err != nil {
				return err
			}
			network, server = provider.Mastodon, masto.URL()
		} else {
			handle := fmt.Sprintf("brand%d.test", i)
			dids = append(dids, sky.CreateAccount(handle, "app-pass-1234"))
			if profile, server, creds, err = bc.Login(ctx, handle, "app-pass-1234"); err != nil {
				return err
			}
			network, limits = provider.Bluesky, bluesky.Limits()
		}
		acc, err := connector.Save(ctx, workspace.Actor{User: owner}, ws, network, server, profile, limits, creds)
		if err != nil {
			return err
		}
		ids, networks = append(ids, acc.ID), append(networks, network)
	}

	// The posts are scheduled a day ahead while the servers start, then all
	// moved to the same instant in the near future.
	log.Printf("scheduling %d posts", posts)
	svc := publish.New(db, []provider.Publisher{mc, bc}, nil, nil, nil)
	tomorrow := time.Now().In(publish.Zone("Europe/Rome")).AddDate(0, 0, 1)
	access := workspace.Access{Workspace: ws, Role: p.RoleOwner}
	var postIDs []string
	for i := range posts {
		d := publish.Draft{Accounts: []string{ids[i%accounts]}, Content: p.PostContent{Parts: []p.PostPart{{Text: fmt.Sprintf("Post %d", i)}}}}
		post, err := svc.Create(ctx, workspace.Actor{User: owner}, access, d, publish.When{Mode: "at", Date: tomorrow.Format("2006-01-02"), Time: "09:00"})
		if err != nil {
			return err
		}
		postIDs = append(postIDs, post.ID)
	}
	db.Close()

	masto.SetLatency(latency)
	sky.SetLatency(latency)
	env := append(os.Environ(), "PORTAVOCE_SECRET_KEY="+base64.StdEncoding.EncodeToString(key), "PORTAVOCE_LOG_LEVEL=warn")
	if database != "" {
		env = append(env, "PORTAVOCE_DATABASE="+database)
	}
	var procs []*exec.Cmd
	var urls []string
	defer func() {
		for _, c := range procs {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for n := range nodes {
		// On SQLite the server's data folder holds the database written
		// above; PostgreSQL nodes each get a folder of their own.
		data := tmp
		if database != "" {
			data = filepath.Join(tmp, fmt.Sprint("node", n))
		}
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data,
			"--allow-hosts", "127.0.0.1", "--bluesky-service", sky.URL(), "--plc-directory", sky.URL())
		cmd.Env = env
		cmd.Stderr = os.Stderr
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
		u, err := waitRunning(out)
		if err != nil {
			return err
		}
		urls = append(urls, u)
	}
	due := time.Now().Add(lead).Truncate(time.Second)
	db, err = store.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	dueOf := func(i int) time.Time { return due.Add(time.Duration(int64(spread) * int64(i) / int64(posts))) }
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i, id := range postIDs {
		at := dueOf(i).UnixMicro()
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET due_at = $1, next_at = $1 WHERE post_id = $2`, at, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET scheduled_at = $1 WHERE id = $2`, at, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	log.Printf("%d posts due from %s (in %s) over %s; %d server(s), networks answering in %s", posts, due.Format("15:04:05"),
		time.Until(due).Round(time.Second), spread, nodes, latency)

	deadline := due.Add(spread + 5*time.Minute)
	for {
		var pending int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE status IN ('scheduled', 'sending')`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	finished := time.Now()

	// Lateness from the networks' side, and duplicates and losses by text.
	var late []time.Duration
	seen := map[string]int{}
	dueByText := func(text string) time.Time {
		var i int
		fmt.Sscanf(text, "Post %d", &i)
		return dueOf(i)
	}
	for _, id := range mastoIDs {
		for _, st := range masto.Statuses(id) {
			seen[st.Text]++
			late = append(late, st.CreatedAt.Sub(dueByText(st.Text)))
		}
	}
	for _, did := range dids {
		for _, sp := range sky.Posts(did) {
			seen[sp.Text]++
			if t, err := time.Parse(time.RFC3339Nano, sp.CreatedAt); err == nil {
				late = append(late, t.Sub(dueByText(sp.Text)))
			}
		}
	}
	dups, lost := 0, 0
	for i := range posts {
		switch n := seen[fmt.Sprintf("Post %d", i)]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	var statuses []string
	rows, err := db.SQL().QueryContext(ctx, `SELECT status, COUNT(*) FROM deliveries GROUP BY status`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		statuses = append(statuses, fmt.Sprintf("%s %d", s, n))
	}
	rows.Close()
	slices.Sort(late)
	pct := func(q float64) time.Duration {
		if len(late) == 0 {
			return 0
		}
		return late[min(len(late)-1, int(q*float64(len(late))))]
	}
	engine := "SQLite"
	if database != "" {
		engine = "PostgreSQL"
	}
	when := "at once"
	if spread > 0 {
		when = "over " + spread.String()
	}
	fmt.Printf("%s, %d node(s): %d posts due %s across %d accounts, networks answering in %s\n", engine, nodes, posts, when, accounts, latency)
	fmt.Printf("  published on the networks: %d; duplicates: %d; lost: %d; deliveries: %s\n", len(late), dups, lost, strings.Join(statuses, ", "))
	fmt.Printf("  lateness (network receipt − scheduled time): p50 %s, p99 %s, max %s\n", pct(0.50).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	fmt.Printf("  last delivery recorded %s after the due time\n", finished.Sub(due).Round(100*time.Millisecond))
	// The servers' own view: when each network call started.
	buckets := map[float64]float64{}
	var count float64
	for _, u := range urls {
		res, err := http.Get(u + "/metrics")
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			var le, n float64
			line := sc.Text()
			if _, err := fmt.Sscanf(line, "portavoce_publish_lateness_seconds_bucket{le=%q} %g", new(string), &n); err == nil {
				q := strings.TrimSuffix(strings.TrimPrefix(line, `portavoce_publish_lateness_seconds_bucket{le="`), line[strings.Index(line, `"}`):])
				if q == "+Inf" {
					count += n
					continue
				}
				fmt.Sscanf(q, "%g", &le)
				buckets[le] += n
			}
		}
		res.Body.Close()
	}
	var bounds []float64
	for le := range buckets {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	quantile := func(q float64) string {
		for _, le := range bounds {
			if buckets[le] >= q*count {
				return fmt.Sprintf("≤ %gs", le)
			}
		}
		return "more"
	}
	fmt.Printf("  call start − scheduled time, from the servers' metrics: p50 %s, p99 %s (of %d calls)\n", quantile(0.5), quantile(0.99), int(count))
	cpu := func(pid int) time.Duration {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		var ut, st float64
		fmt.Sscanf(f[11], "%g", &ut)
		fmt.Sscanf(f[12], "%g", &st)
		return time.Duration((ut + st) * float64(time.Second) / 100)
	}
	var serverCPU time.Duration
	for _, c := range procs {
		serverCPU += cpu(c.Process.Pid)
	}
	fmt.Printf("  CPU used: Portavoce %s in all (scheduling excluded: it ran in this tool), the test networks and this tool %s\n",
		serverCPU.Round(10*time.Millisecond), cpu(os.Getpid()).Round(10*time.Millisecond))
	return nil
}

var running = regexp.MustCompile(`^Portavoce is running at `)

// waitRunning reads a server's standard output until it says it runs, and
// drains the rest in the background.
func waitRunning(out interface{ Read([]byte) (int, error) }) (string, error) {
	sc := bufio.NewScanner(out)
	var once sync.Once
	ok := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if running.MatchString(sc.Text()) {
				once.Do(func() { ok <- strings.TrimPrefix(sc.Text(), "Portavoce is running at ") })
			}
		}
	}()
	select {
	case u := <-ok:
		return u, nil
	case <-time.After(60 * time.Second):
		return "", fmt.Errorf("serve did not start within a minute")
	}
}

package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/listening/query"
)

// runSweep measures the compiled Matcher alone at several numbers of
// queries, against the naive way: every Query.Match on every post. At each
// size the posts name the brands of that size's topics at -mention-rate,
// so that the share of matching posts stays about the same.
func runSweep(cfg config) error {
	var sizes []int
	for _, s := range strings.Split(cfg.sweep, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(s, "_", "")))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sweep: %q is not a number of queries", s)
		}
		sizes = append(sizes, n)
	}
	fmt.Printf("The Matcher alone on %s generated Bluesky posts, one goroutine, GOMAXPROCS %d.\n\n", thousands(cfg.sweepPosts), runtime.GOMAXPROCS(0))
	fmt.Printf("| Queries | Compile | Matcher heap | Patterns / states | Posts/s (wall) | Posts per CPU-second | Posts matching | Mentions per post | Naive: posts per CPU-second | Speed-up |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range sizes {
		fmt.Fprintf(os.Stderr, "listenbench: %d queries...\n", n)
		brands := genBrands(cfg.seed, n)
		specs, err := genQueries(cfg.seed, brands)
		if err != nil {
			return err
		}
		qs := make(map[string]*query.Query, n)
		list := make([]*query.Query, 0, n)
		for i, s := range specs {
			q, _ := query.Parse(s)
			qs[fmt.Sprintf("topic-%06d", i)] = q
			list = append(list, q)
		}
		sub := cfg
		sub.posts = cfg.sweepPosts
		posts := make([]query.Post, sub.posts)
		for i, sp := range genDecoded(sub, brands, 0, sub.posts) {
			posts[i] = query.Post{Text: sp.Text, Author: sp.Author, URL: sp.URL, Lang: sp.Lang, Links: sp.Links}
		}

		before := liveHeap()
		t0 := time.Now()
		m := query.Compile(qs)
		compile := time.Since(t0)
		heap := max(liveHeap(), before) - before
		st := m.Stats()

		var ids []string
		matched, mentions := 0, 0
		ph := startPhase(fmt.Sprintf("sweep-%d", n), 0)
		for _, p := range posts {
			ids = m.Match(p, ids[:0])
			if len(ids) > 0 {
				matched++
				mentions += len(ids)
			}
		}
		mm := ph.end()

		// The naive way, for as long as -naive-seconds allows; it must
		// agree with the Matcher on the posts it gets through.
		naive, naiveMentions, agree := 0, 0, 0
		cpu0 := cpuSelf()
		budget := time.Duration(cfg.naiveSeconds * float64(time.Second))
		for naive < len(posts) && (naive == 0 || cpuSelf()-cpu0 < budget) {
			for _, q := range list {
				if q.Match(posts[naive]) {
					naiveMentions++
				}
			}
			agree += len(m.Match(posts[naive], ids[:0]))
			naive++
		}
		naiveCPU := cpuSelf() - cpu0
		if naiveMentions != agree {
			return fmt.Errorf("%d queries: the naive way finds %d mentions in %d posts, the Matcher %d", n, naiveMentions, naive, agree)
		}
		runtime.KeepAlive(m)
		naiveRate := float64(naive) / naiveCPU.Seconds()
		fmt.Printf("| %s | %v | %s | %s / %s | %s | %s | %.2f%% | %.3f | %s (%d posts) | %s× |\n",
			thousands(n), compile.Round(time.Millisecond), mb(heap), thousands(st.Patterns), thousands(st.States),
			rate(len(posts), mm.Wall), rate(len(posts), mm.CPU), 100*float64(matched)/float64(len(posts)),
			float64(mentions)/float64(len(posts)), fmtRate(naiveRate), naive,
			thousands(int(float64(len(posts))/mm.CPU.Seconds()/naiveRate)))
	}
	return nil
}

func fmtRate(r float64) string {
	if r >= 100 {
		return thousands(int(r))
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

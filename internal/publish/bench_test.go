package publish_test

import (
	"fmt"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// BenchmarkDispatch publishes b.N posts due at once, half to Mastodon and
// half to Bluesky (local test servers answering at once), through one
// dispatcher on SQLite: the dispatcher's own cost per post, database
// included. The end-to-end figures with real processes and network latency
// come from scripts/publishbench (docs/benchmarks.md).
func BenchmarkDispatch(b *testing.B) {
	db := storetest.SQLite(b)
	w := newWorld(b, db)
	tomorrow := time.Now().Add(24 * time.Hour).In(publish.Zone("Europe/Rome"))
	var ids []string
	for i := range b.N {
		acc := w.mastoAcc
		if i%2 == 1 {
			acc = w.skyAcc
		}
		post, err := w.service.Create(b.Context(), workspace.Actor{User: w.owner}, w.access, publish.Draft{Accounts: []string{acc.ID},
			Content: p.PostContent{Parts: []p.PostPart{{Text: fmt.Sprintf("Post %d", i)}}}},
			publish.When{Mode: "at", Date: tomorrow.Format("2006-01-02"), Time: "09:00"})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, post.ID)
	}
	if _, err := db.SQL().ExecContext(b.Context(), `UPDATE deliveries SET due_at = $1, next_at = $1`, time.Now().UnixMicro()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	w.dispatcher(b, "bench", publish.DispatchOptions{})
	for _, id := range ids {
		w.settle(b, id, p.DeliveryPublished)
	}
	b.StopTimer()
}

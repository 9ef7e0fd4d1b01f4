package store_test

import (
	"context"
	"testing"

	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

func TestMigrateTwiceIsHarmless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("second migration: %v", err)
		}
		cur, latest, err := db.MigrationStatus(context.Background())
		if err != nil || cur != latest || latest < 1 {
			t.Fatalf("status = %d/%d, %v", cur, latest, err)
		}
	})
}

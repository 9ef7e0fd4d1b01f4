package linkpreview

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Cache remembers cards for a while, so that the composer can show a link's
// card as the user types without fetching the page at every keystroke.
type Cache struct {
	client *http.Client
	ttl    time.Duration
	max    int
	mu     sync.Mutex
	cards  map[string]cached
}

type cached struct {
	card Card
	err  error
	at   time.Time
}

// NewCache returns a cache that fetches with client and keeps up to max
// cards (and failures) for ttl.
func NewCache(client *http.Client, ttl time.Duration, max int) *Cache {
	return &Cache{client: client, ttl: ttl, max: max, cards: map[string]cached{}}
}

// Card returns the card of pageURL, fetched at most once per ttl.
func (c *Cache) Card(ctx context.Context, pageURL string) (Card, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.cards[pageURL]; ok && now.Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.card, e.err
	}
	c.mu.Unlock()
	card, err := Fetch(ctx, c.client, pageURL)
	if ctx.Err() != nil {
		return card, err // the caller gave up: nothing learnt about the page
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cards) >= c.max {
		for k, e := range c.cards {
			if now.Sub(e.at) >= c.ttl || len(c.cards) >= c.max {
				delete(c.cards, k)
			}
		}
	}
	c.cards[pageURL] = cached{card: card, err: err, at: now}
	return card, err
}

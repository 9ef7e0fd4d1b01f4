package poll

// DefaultSeen is how many IDs a Run remembers to drop repeats.
const DefaultSeen = 10_000

// Seen remembers the last IDs a Run handed over, at most a fixed number
// (the oldest forgotten first), so that a post a later poll finds again is
// not handed over twice. It is not safe for concurrent use.
type Seen struct {
	ids  map[string]struct{}
	ring []string
	max  int
	next int
}

// NewSeen returns a set of at most n IDs (DefaultSeen when n ≤ 0).
func NewSeen(n int) *Seen {
	if n <= 0 {
		n = DefaultSeen
	}
	return &Seen{ids: make(map[string]struct{}), max: n}
}

// Has reports whether id is remembered.
func (s *Seen) Has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

// Add remembers id, forgetting the oldest when full.
func (s *Seen) Add(id string) {
	if s.Has(id) {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % len(s.ring)
	}
	s.ids[id] = struct{}{}
}

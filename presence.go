package portavoce

import "time"

// PresenceSettings say what a workspace's brand looks like on the web: its
// website and its profiles on every network, audited for how the brand
// shows up on Google and on the networks.
type PresenceSettings struct {
	WorkspaceID string `json:"-"`
	Website     string `json:"website"`
	BrandName   string `json:"brand_name"`
	// LocalBusiness is true for a business with premises customers visit
	// (a café, a shop): its structured data should be a LocalBusiness with
	// an address.
	LocalBusiness bool   `json:"local_business"`
	LogoURL       string `json:"logo_url"`
	// Profiles are the addresses of the brand's profiles on every network,
	// connected or not.
	Profiles []string `json:"profiles"`
	// AuditEvery is how often the audit runs by itself; zero for never.
	AuditEvery time.Duration `json:"-"`
	NextAudit  time.Time     `json:"next_audit_at,omitzero"`
	UpdatedAt  time.Time     `json:"updated_at,omitzero"`
}

// PresenceAudit is one run of the audit and what it found.
type PresenceAudit struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	// Trigger is "manual" or "scheduled".
	Trigger    string    `json:"trigger"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Score is 0 to 100; -1 when the audit could not run (Error says why).
	Score    int            `json:"score"`
	Findings []AuditFinding `json:"findings"`
	Pages    []string       `json:"pages"`
	Error    string         `json:"error,omitempty"`
}

// AuditFinding is one thing to fix, with the exact fix. Message and Fix are
// in English; Format/Args and FixFormat/FixArgs let pages translate them.
type AuditFinding struct {
	// Source is "site" or "profile".
	Source    string `json:"source"`
	Check     string `json:"check"`
	Severity  string `json:"severity"`
	Impact    int    `json:"impact"`
	Subject   string `json:"subject"`
	Message   string `json:"message"`
	Format    string `json:"format,omitempty"`
	Args      []any  `json:"args,omitempty"`
	Fix       string `json:"fix"`
	FixFormat string `json:"fix_format,omitempty"`
	FixArgs   []any  `json:"fix_args,omitempty"`
	// Fixable is true when Portavoce can make the change itself on a
	// connected account.
	Fixable bool   `json:"fixable,omitempty"`
	Network string `json:"network,omitempty"`
}

// Key identifies a finding across audits, to tell what changed.
func (f AuditFinding) Key() string { return f.Source + " " + f.Check + " " + f.Subject }

// AuditChange is what changed between two audits.
type AuditChange struct {
	ScoreBefore int            `json:"score_before"`
	ScoreAfter  int            `json:"score_after"`
	New         []AuditFinding `json:"new"`
	Resolved    []AuditFinding `json:"resolved"`
}

// Worse reports whether the brand's presence got worse: a lower score, or
// a new critical or important finding.
func (c AuditChange) Worse() bool {
	if c.ScoreAfter < c.ScoreBefore {
		return true
	}
	for _, f := range c.New {
		if f.Severity == "critical" || f.Severity == "important" {
			return true
		}
	}
	return false
}

// CompareAudits tells what changed from before to after.
func CompareAudits(before, after PresenceAudit) AuditChange {
	c := AuditChange{ScoreBefore: before.Score, ScoreAfter: after.Score}
	had, has := map[string]bool{}, map[string]bool{}
	for _, f := range before.Findings {
		had[f.Key()] = true
	}
	for _, f := range after.Findings {
		has[f.Key()] = true
		if !had[f.Key()] {
			c.New = append(c.New, f)
		}
	}
	for _, f := range before.Findings {
		if !has[f.Key()] {
			c.Resolved = append(c.Resolved, f)
		}
	}
	return c
}

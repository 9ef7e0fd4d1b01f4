// Package mail sends Portavoce's email notifications: over SMTP when the
// administrator configured a server (SMTP), or not at all, with a line in the
// log saying so (Log).
package mail

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
)

// Message is one email. Text is the plain-text body and HTML the same content
// as HTML; either may be empty, not both. A message with both is sent as
// multipart/alternative, so mail readers show the HTML and fall back to the
// text.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// Sender sends email.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// Default ports by TLS mode, used when Config.Port is 0.
var defaultPorts = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}

// Timeout bounds connecting to the SMTP server and each exchange with it;
// the context given to Send can end it sooner.
const Timeout = 30 * time.Second

// Config is how to reach the SMTP server.
type Config struct {
	Host string
	// Port is the server's port; 0 means the usual one for TLS: 587 for
	// "starttls", 465 for "tls", 25 for "none".
	Port     int
	Username string
	// Password is sent only to authenticate; it never appears in an error or
	// in the output of String and LogValue.
	Password string
	// From is the sender, "notifications@example.com" or
	// "Portavoce <notifications@example.com>".
	From string
	// TLS is "starttls" (the default when empty), "tls" or "none". With
	// "none" and a username, the password crosses the network unencrypted
	// if the server offers no challenge-response mechanism.
	TLS string
}

// String describes the configuration without the password, for logs.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=<redacted>"
	}
	return fmt.Sprintf("smtp host=%s port=%d tls=%s username=%q%s from=%q", c.Host, c.Port, c.TLS, c.Username, pw, c.From)
}

// LogValue is what slog shows of a Config: everything but the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("tls", c.TLS),
		slog.String("username", c.Username), slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From),
	)
}

// SMTP sends email through an SMTP server. It is safe for concurrent use:
// each Send opens its own connection.
type SMTP struct {
	c    Config
	from *netmail.Address
}

// NewSMTP checks c and returns a sender for it. It does not connect: a
// server that is down or refuses the credentials shows up at Send.
func NewSMTP(c Config) (*SMTP, error) {
	c.Host = strings.TrimSpace(c.Host)
	c.TLS = strings.ToLower(strings.TrimSpace(c.TLS))
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	switch {
	case c.Host == "":
		return nil, errors.New("mail: no SMTP host given")
	case strings.Contains(c.Host, "://") || strings.ContainsAny(c.Host, " /@"):
		return nil, fmt.Errorf("mail: SMTP host %q should be a host name or IP address alone, like smtp.example.com", c.Host)
	}
	if h, p, err := net.SplitHostPort(c.Host); err == nil {
		port, err := strconv.Atoi(p)
		if err != nil || h == "" {
			return nil, fmt.Errorf("mail: SMTP host %q should be a host name or IP address, with the port given apart", c.Host)
		}
		if c.Port != 0 && c.Port != port {
			return nil, fmt.Errorf("mail: SMTP host %q has a port and the port is set to %d too; give it once", c.Host, c.Port)
		}
		c.Host, c.Port = h, port
	} else if strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil {
		return nil, fmt.Errorf("mail: SMTP host %q should be a host name or IP address, with the port given apart", c.Host)
	}
	if _, ok := defaultPorts[c.TLS]; !ok {
		return nil, fmt.Errorf("mail: SMTP TLS mode %q unknown: want %q, %q or %q", c.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if c.Port == 0 {
		c.Port = defaultPorts[c.TLS]
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d out of range 1-65535", c.Port)
	}
	if c.Password != "" && c.Username == "" {
		return nil, errors.New("mail: SMTP password given without a username")
	}
	if c.Username != "" && c.Password == "" {
		return nil, errors.New("mail: SMTP username given without a password")
	}
	if strings.TrimSpace(c.From) == "" {
		return nil, errors.New("mail: no sender (From) address given")
	}
	from, err := netmail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender (From) %q is not an email address like notifications@example.com", c.From)
	}
	return &SMTP{c: c, from: from}, nil
}

// Config returns the configuration in use, defaults filled in.
func (s *SMTP) Config() Config { return s.c }

// Send delivers m, over a new connection. An error names the server and how
// many recipients the message had, never the password.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.c.Host, s.options()...)
	if err != nil {
		return s.fail(len(m.To), err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return s.fail(len(m.To), err)
	}
	return nil
}

func (s *SMTP) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.c.Port), gomail.WithTimeout(Timeout)}
	switch s.c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.c.Username != "" {
		opts = append(opts, gomail.WithUsername(s.c.Username), gomail.WithPassword(s.c.Password))
		if s.c.TLS == TLSNone {
			// Without TLS go-mail's discovery refuses PLAIN and LOGIN; the
			// administrator chose no encryption, so allow them last.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	return opts
}

// build checks m and turns it into a go-mail message.
func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	if len(m.To) == 0 {
		return nil, errors.New("mail: message has no recipient")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has no body")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: subject has a line break")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.SetUserAgent("Portavoce/" + portavoce.Version)
	msg.FromMailAddress(s.from)
	for i, to := range m.To {
		addr, err := netmail.ParseAddress(to)
		if err != nil {
			return nil, fmt.Errorf("mail: recipient %d of %d is not an email address", i+1, len(m.To))
		}
		msg.AddToMailAddress(addr)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	return msg, nil
}

// fail wraps a go-mail error, with the password (should any server or
// library ever echo it) cut out of the text.
func (s *SMTP) fail(recipients int, err error) error {
	return &sendError{
		msg: redact(fmt.Sprintf("mail: send to %d recipient(s) via %s:%d (tls %s): %v",
			recipients, s.c.Host, s.c.Port, s.c.TLS, err), s.c.Password),
		err: err,
	}
}

// sendError keeps the cause for errors.Is and errors.As but shows its
// redacted text.
type sendError struct {
	msg string
	err error
}

func (e *sendError) Error() string { return e.msg }
func (e *sendError) Unwrap() error { return e.err }

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "<redacted>")
}

// Log is the Sender for when no SMTP server is configured: it sends nothing
// and logs at info level that it did not, with the number of recipients only
// (no addresses, no content).
type Log struct {
	// Logger receives the line; nil means slog.Default().
	Logger *slog.Logger
}

// Send logs that m was not sent and returns nil.
func (l Log) Send(ctx context.Context, m Message) error {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "email not sent: SMTP is not configured", slog.Int("recipients", len(m.To)))
	return nil
}

var (
	_ Sender = (*SMTP)(nil)
	_ Sender = Log{}
)

// Notice is an email of Portavoce about a workspace: the subject after the
// workspace's name, the body as text and as HTML, and a link back to the
// page it is about, in the reader's language.
func Notice(lang i18n.Lang, to []string, workspace, subject, text, htmlBody, link string) Message {
	return Message{To: to, Subject: "[Portavoce · " + workspace + "] " + subject,
		Text: strings.TrimRight(text, "\n") + "\n\n" + i18n.T(lang, "Open it in Portavoce: %s", link) + "\n",
		HTML: htmlBody + fmt.Sprintf(`<p><a href="%s">%s</a></p>`, html.EscapeString(link), html.EscapeString(i18n.T(lang, "Open it in Portavoce")))}
}

// Outbox is a queue of things to send (emails, alerts), kept in the
// database so that each is sent once whichever node gets to it.
type Outbox[T any] struct {
	// ID names an item.
	ID func(T) string
	// Claim marks an item as being sent; false means another node has it.
	Claim func(ctx context.Context, id string) (bool, error)
	// Send sends it.
	Send func(ctx context.Context, item T) error
	// Unclaim gives back an item that could not be sent, to be tried again.
	Unclaim func(ctx context.Context, id string) error
}

// SendAll sends every pending item once: claimed first, given back when
// sending fails (and logged), so that it is tried again later.
func (o Outbox[T]) SendAll(ctx context.Context, pending []T, log *slog.Logger) error {
	for _, item := range pending {
		id := o.ID(item)
		mine, err := o.Claim(ctx, id)
		if err != nil {
			return err
		}
		if !mine {
			continue
		}
		if err := o.Send(ctx, item); err != nil {
			log.Warn("not sent; it will be tried again", "item", id, "err", err)
			if err := o.Unclaim(context.WithoutCancel(ctx), id); err != nil {
				return err
			}
		}
	}
	return nil
}

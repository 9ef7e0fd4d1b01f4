package mail_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
)

const password = "hunter2-Secret!"

func TestSendThroughMailpit(t *testing.T) {
	srv := mailtest.Start(t)
	for _, tc := range []struct {
		name     string
		username string
		password string
		msg      mail.Message
	}{
		{"text and HTML", "", "", mail.Message{
			To:      []string{"anna@example.com", "Bruno Rossi <bruno@example.com>"},
			Subject: "Benvenuto in Portavoce: è tutto pronto",
			Text:    "Ciao Anna,\nil tuo spazio di lavoro è pronto.",
			HTML:    "<p>Ciao Anna,</p><p>il tuo spazio di lavoro è <b>pronto</b>.</p>",
		}},
		{"with credentials", "portavoce", password, mail.Message{
			To:      []string{"carla@example.com"},
			Subject: "Reset your password",
			Text:    "Follow the link to choose a new password.",
			HTML:    "<p>Follow the <a href=\"https://portavoce.test/reset\">link</a>.</p>",
		}},
		{"text only", "", "", mail.Message{
			To:      []string{"dario@example.com"},
			Subject: "Plain",
			Text:    "Just text.",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mail.NewSMTP(mail.Config{
				Host:     srv.SMTPHost(),
				Port:     srv.SMTPPort(),
				Username: tc.username,
				Password: tc.password,
				From:     "Portavoce <noreply@portavoce.test>",
				TLS:      "none",
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(t.Context(), tc.msg); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(t, func(m mailtest.Message) bool { return m.Subject == tc.msg.Subject })
			wantTo := []string{}
			for _, to := range tc.msg.To {
				if i := strings.IndexByte(to, '<'); i >= 0 {
					to = strings.Trim(to[i:], "<>")
				}
				wantTo = append(wantTo, to)
			}
			if !slices.Equal(got.To, wantTo) {
				t.Errorf("To = %q, want %q", got.To, wantTo)
			}
			if got.Username != tc.username {
				t.Errorf("authenticated as %q, want %q", got.Username, tc.username)
			}
			if got.From != "noreply@portavoce.test" {
				t.Errorf("From = %q", got.From)
			}
			if text := strings.ReplaceAll(strings.TrimSpace(got.Text), "\r\n", "\n"); text != tc.msg.Text {
				t.Errorf("Text = %q, want %q", text, tc.msg.Text)
			}
			if strings.TrimSpace(got.HTML) != tc.msg.HTML {
				t.Errorf("HTML = %q, want %q", got.HTML, tc.msg.HTML)
			}
		})
	}
	if n := len(srv.Messages(t)); n != 3 {
		t.Errorf("mailpit holds %d messages, want 3", n)
	}
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestSendErrors(t *testing.T) {
	srv := mailtest.Start(t)
	msg := mail.Message{To: []string{"anna@example.com"}, Subject: "Hi", Text: "Hello"}
	for _, tc := range []struct {
		name string
		port int
		tls  string
		want string
	}{
		{"wrong port", closedPort(t), "none", "connection refused"},
		{"STARTTLS not offered", srv.SMTPPort(), "starttls", "STARTTLS"},
		{"implicit TLS against plain server", srv.SMTPPort(), "tls", "tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mail.NewSMTP(mail.Config{
				Host: "127.0.0.1", Port: tc.port, TLS: tc.tls,
				Username: "portavoce", Password: password, From: "noreply@portavoce.test",
			})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(t.Context(), msg)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			text := err.Error()
			t.Log(text)
			if !strings.HasPrefix(text, "mail: ") || !strings.Contains(text, fmt.Sprintf("127.0.0.1:%d", tc.port)) {
				t.Errorf("error %q should start with mail: and name the server", text)
			}
			if !strings.Contains(strings.ToLower(text), strings.ToLower(tc.want)) {
				t.Errorf("error %q should say %q", text, tc.want)
			}
			if strings.Contains(text, password) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), password) {
				t.Errorf("error shows the password: %q", text)
			}
		})
	}
	if n := len(srv.Messages(t)); n != 0 {
		t.Errorf("mailpit got %d messages, want none", n)
	}
}

func TestMessageValidation(t *testing.T) {
	// Nothing listens here: a message that got as far as dialling would
	// fail with "connection refused" instead of the expected error.
	s, err := mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: closedPort(t), TLS: "none", From: "noreply@portavoce.test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		msg  mail.Message
		want string
	}{
		{"no recipient", mail.Message{Subject: "x", Text: "x"}, "mail: message has no recipient"},
		{"bad recipient", mail.Message{To: []string{"ok@example.com", "not an address"}, Subject: "x", Text: "x"}, "mail: recipient 2 of 2 is not an email address"},
		{"no body", mail.Message{To: []string{"ok@example.com"}, Subject: "x"}, "mail: message has no body"},
		{"header injection", mail.Message{To: []string{"ok@example.com"}, Subject: "x\r\nBcc: victim@example.com", Text: "x"}, "mail: subject has a line break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Send(t.Context(), tc.msg)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Send = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	ok := mail.Config{Host: "smtp.example.com", From: "noreply@example.com"}
	with := func(f func(*mail.Config)) mail.Config {
		c := ok
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name     string
		c        mail.Config
		wantErr  string
		wantPort int
		wantTLS  string
	}{
		{"defaults", ok, "", 587, "starttls"},
		{"tls default port", with(func(c *mail.Config) { c.TLS = "TLS" }), "", 465, "tls"},
		{"none default port", with(func(c *mail.Config) { c.TLS = "none" }), "", 25, "none"},
		{"explicit port", with(func(c *mail.Config) { c.Port = 2525 }), "", 2525, "starttls"},
		{"port in host", with(func(c *mail.Config) { c.Host = "smtp.example.com:2525" }), "", 2525, "starttls"},
		{"display name in From", with(func(c *mail.Config) { c.From = "Portavoce <noreply@example.com>" }), "", 587, "starttls"},
		{"IPv6 host", with(func(c *mail.Config) { c.Host = "::1" }), "", 587, "starttls"},
		{"credentials", with(func(c *mail.Config) { c.Username, c.Password = "u", password }), "", 587, "starttls"},

		{"no host", with(func(c *mail.Config) { c.Host = " " }), "mail: no SMTP host given", 0, ""},
		{"URL as host", with(func(c *mail.Config) { c.Host = "smtp://smtp.example.com" }), "should be a host name or IP address", 0, ""},
		{"two ports", with(func(c *mail.Config) { c.Host, c.Port = "smtp.example.com:25", 587 }), "give it once", 0, ""},
		{"bad port in host", with(func(c *mail.Config) { c.Host = "smtp.example.com:smtp" }), "with the port given apart", 0, ""},
		{"port too big", with(func(c *mail.Config) { c.Port = 70000 }), "mail: SMTP port 70000 out of range", 0, ""},
		{"negative port", with(func(c *mail.Config) { c.Port = -1 }), "out of range", 0, ""},
		{"unknown TLS", with(func(c *mail.Config) { c.TLS = "ssl" }), `mail: SMTP TLS mode "ssl" unknown`, 0, ""},
		{"no From", with(func(c *mail.Config) { c.From = "" }), "mail: no sender (From) address given", 0, ""},
		{"bad From", with(func(c *mail.Config) { c.From = "Portavoce" }), `mail: sender (From) "Portavoce" is not an email address`, 0, ""},
		{"two From", with(func(c *mail.Config) { c.From = "a@example.com, b@example.com" }), "is not an email address", 0, ""},
		{"password without username", with(func(c *mail.Config) { c.Password = password }), "mail: SMTP password given without a username", 0, ""},
		{"username without password", with(func(c *mail.Config) { c.Username = "u" }), "mail: SMTP username given without a password", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mail.NewSMTP(tc.c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("NewSMTP = %v, want an error with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Config(); got.Port != tc.wantPort || got.TLS != tc.wantTLS {
				t.Errorf("port, TLS = %d, %q; want %d, %q", got.Port, got.TLS, tc.wantPort, tc.wantTLS)
			}
		})
	}
}

func TestConfigHidesPassword(t *testing.T) {
	c := mail.Config{Host: "smtp.example.com", Username: "u", Password: password, From: "noreply@example.com"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "smtp", c)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "smtp", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %s", c, c, c), buf.String()} {
		if strings.Contains(s, password) {
			t.Errorf("password shown in %q", s)
		}
		if !strings.Contains(s, "smtp.example.com") {
			t.Errorf("host missing from %q", s)
		}
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	var s mail.Sender = mail.Log{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	err := s.Send(t.Context(), mail.Message{To: []string{"anna@example.com", "bruno@example.com"}, Subject: "Secret subject", Text: "body"})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"level=INFO", `msg="email not sent: SMTP is not configured"`, "recipients=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	for _, secret := range []string{"anna", "bruno", "Secret subject", "body"} {
		if strings.Contains(out, secret) {
			t.Errorf("log %q shows %q", out, secret)
		}
	}
}

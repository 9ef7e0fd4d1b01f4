package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, _, err := Load(fs, args, func(k string) string { return env[k] })
	return c, err
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Data != "./data" || c.Database != "" || c.LogFormat != "text" ||
		c.SecretKeyFile != filepath.Join("./data", "secret.key") || c.DatabaseWait != 5*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedenceFlagOverEnvOverFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "portavoce.conf")
	os.WriteFile(file, []byte("# comment\nlisten = 127.0.0.1:7000\ndata = \"/srv/file\"\nlog-format = json\n"), 0o600)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantListen string
		wantData   string
		wantFormat string
	}{
		{"file only", []string{"--config", file}, nil, "127.0.0.1:7000", "/srv/file", "json"},
		{"env over file", []string{"--config", file}, map[string]string{"PORTAVOCE_LISTEN": "127.0.0.1:7100"}, "127.0.0.1:7100", "/srv/file", "json"},
		{"flag over env", []string{"--config", file, "--listen", "127.0.0.1:7200"}, map[string]string{"PORTAVOCE_LISTEN": "127.0.0.1:7100"}, "127.0.0.1:7200", "/srv/file", "json"},
		{"config from env", nil, map[string]string{"PORTAVOCE_CONFIG": file, "PORTAVOCE_DATA": "/srv/env"}, "127.0.0.1:7000", "/srv/env", "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Listen != tt.wantListen || c.Data != tt.wantData || c.LogFormat != tt.wantFormat {
				t.Fatalf("got listen=%s data=%s format=%s", c.Listen, c.Data, c.LogFormat)
			}
		})
	}
}

func TestBadValuesSayWhatToDo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(file, []byte("colour = blue\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"listen", []string{"--listen", "8080"}, nil, "host:port"},
		{"database", nil, map[string]string{"PORTAVOCE_DATABASE": "mysql://x"}, "postgres://"},
		{"duration", []string{"--database-wait", "soon"}, nil, "30s"},
		{"log format", []string{"--log-format", "xml"}, nil, "text nor json"},
		{"unknown file key", []string{"--config", file}, nil, `unknown setting "colour"`},
		{"missing file", []string{"--config", file + ".nope"}, nil, "config file"},
		{"base url", []string{"--base-url", "social.example.com"}, nil, "https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNginxConfig(t *testing.T) {
	dir := t.TempDir()
	c := nginxConfig{Dir: dir, Listen: "127.0.0.1:18080", Upstream: "127.0.0.1:19099", Workers: "auto", OmitModules: []string{"uwsgi"}}
	conf := c.render()
	for _, want := range []string{
		"daemon off;",
		"worker_processes auto;",
		"pid " + filepath.Join(dir, "nginx.pid") + ";",
		"error_log " + filepath.Join(dir, "error.log") + " warn;",
		"access_log off;",
		"server 127.0.0.1:19099;",
		"keepalive 64;",
		"listen 127.0.0.1:18080;",
		"proxy_pass http://mock;",
		"proxy_http_version 1.1;",
		`proxy_set_header Connection "";`,
		"proxy_buffering off;",
		"fastcgi_temp_path " + filepath.Join(dir, "fastcgi") + ";",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "uwsgi_temp_path") || strings.Contains(conf, "user ") {
		t.Errorf("unexpected directive:\n%s", conf)
	}
	if n := strings.Count(conf, "{"); n != strings.Count(conf, "}") {
		t.Errorf("unbalanced braces")
	}
	if c.User = "root"; !strings.Contains(c.render(), "user root;") {
		t.Error("user directive missing")
	}

	// Let nginx itself check the syntax when it is installed.
	bin := "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("nginx"); err != nil {
			t.Skip("nginx not installed")
		}
	}
	_, missing, err := nginxVersion(bin)
	if err != nil {
		t.Fatal(err)
	}
	c = nginxConfig{Dir: dir, Listen: "127.0.0.1:18080", Upstream: "127.0.0.1:19099", Workers: "1", OmitModules: missing}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(c.render()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", path, "-e", filepath.Join(dir, "error.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestNginxMissingModules(t *testing.T) {
	v := "nginx version: nginx/1.22.1\nconfigure arguments: --with-http_ssl_module --without-http_uwsgi_module --without-http_scgi_module"
	if got := strings.Join(nginxMissingModules(v), ","); got != "uwsgi,scgi" {
		t.Errorf("missing = %q", got)
	}
	if got := nginxMissingModules("configure arguments: --with-debug"); len(got) != 0 {
		t.Errorf("missing = %q", got)
	}
}

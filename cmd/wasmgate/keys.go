package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/keys"
)

// adminClient calls a running gateway's admin API.
type adminClient struct {
	url, key string
	out      io.Writer
}

func (a *adminClient) call(method, path string, body any) error {
	if a.key == "" {
		return errors.New("the admin key is needed: --admin-key or WASMGATE_ADMIN_KEY")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimRight(a.url, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode >= 300 {
		var e struct{ Error struct{ Message string } }
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") == nil {
		b = append(pretty.Bytes(), '\n')
	}
	_, err = a.out.Write(b)
	return err
}

func keysCmd() *cobra.Command {
	a := &adminClient{}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage virtual keys through a running gateway's admin API",
		Long: `Create, list, rotate and revoke the wasmgate keys clients use, through the admin API of a running
gateway (governance.admin_key). --url and --admin-key default to WASMGATE_URL and WASMGATE_ADMIN_KEY.`,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) { a.out = cmd.OutOrStdout() },
	}
	cmd.PersistentFlags().StringVar(&a.url, "url", envOr("WASMGATE_URL", "http://127.0.0.1:8080"), "the gateway's URL")
	cmd.PersistentFlags().StringVar(&a.key, "admin-key", os.Getenv("WASMGATE_ADMIN_KEY"), "the admin key")

	var spec keys.Spec
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key; its secret is printed once",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.call("POST", "/admin/keys", spec) },
	}
	f := create.Flags()
	f.StringVar(&spec.Name, "name", "", "what the key is for")
	f.StringVar(&spec.Team, "team", "", "the owning team (shares the team's budget)")
	f.StringVar(&spec.User, "user", "", "the owning user")
	f.StringSliceVar(&spec.Models, "models", nil, "models the key may use (globs; default all)")
	limitFlags(f, &spec.Limits)
	f.Float64Var(&spec.Budget.Amount, "budget", 0, "budget in US dollars per period")
	f.StringVar(&spec.Budget.Period, "budget-period", "", "daily, weekly or monthly")

	list := &cobra.Command{Use: "list", Short: "List keys", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.call("GET", "/admin/keys", nil) }}
	rotate := &cobra.Command{Use: "rotate KEY_ID", Short: "Give a key a new secret (the old one stops at once)", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.call("POST", "/admin/keys/"+url.PathEscape(args[0])+"/rotate", nil)
		}}
	revoke := &cobra.Command{Use: "revoke KEY_ID", Short: "Revoke a key on every replica", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.call("DELETE", "/admin/keys/"+url.PathEscape(args[0]), nil)
		}}
	var from, to, key string
	usage := &cobra.Command{Use: "usage", Short: "Usage and cost by key and model (default: today, UTC)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"from": from, "to": to, "key": key} {
				if v != "" {
					q.Set(k, v)
				}
			}
			return a.call("GET", "/admin/usage?"+q.Encode(), nil)
		}}
	usage.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD")
	usage.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD")
	usage.Flags().StringVar(&key, "key", "", "one key's id")
	cmd.AddCommand(create, list, rotate, revoke, usage)
	return cmd
}

type int64Flags interface {
	Int64Var(p *int64, name string, value int64, usage string)
}

func limitFlags(f int64Flags, l *config.RateLimits) {
	f.Int64Var(&l.RequestsPerMinute, "rpm", 0, "requests per minute")
	f.Int64Var(&l.RequestsPerHour, "rph", 0, "requests per hour")
	f.Int64Var(&l.RequestsPerDay, "rpd", 0, "requests per day")
	f.Int64Var(&l.TokensPerMinute, "tpm", 0, "tokens per minute")
	f.Int64Var(&l.TokensPerHour, "tph", 0, "tokens per hour")
	f.Int64Var(&l.TokensPerDay, "tpd", 0, "tokens per day")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the store shared by replicas. Every key is under "wasmgate:".
type Redis struct {
	c *redis.Client
}

const prefix = "wasmgate:"

func init() {
	// go-redis prints to the standard logger; wasmgate logs (and counts)
	// state errors itself, once per request, with the policy applied.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// OpenRedis connects to a redis:// URL. It does not dial: a Redis that is
// down shows as errors of the calls, which the caller's policy (fail open
// or closed) handles.
func OpenRedis(u string) (*Redis, error) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	// A limit check sits on every request's path: fail fast rather than
	// queue behind a Redis that does not answer.
	opts.DialTimeout = 500 * time.Millisecond
	opts.ReadTimeout = 500 * time.Millisecond
	opts.WriteTimeout = 500 * time.Millisecond
	opts.MaxRetries = 1
	opts.DialerRetries = 1
	opts.DialerRetryTimeout = 50 * time.Millisecond
	return &Redis{c: redis.NewClient(opts)}, nil
}

// counterScript checks (when ARGV[1] is "1") and adds counters in one
// atomic step. ARGV after the mode: per key, inc, ttl in ms, limit, soft.
// It answers {0, 0} when it added, {i, ms} when counter i refused and its
// window ends in ms.
var counterScript = redis.NewScript(`
local check = ARGV[1] == "1"
local n = #KEYS
if check then
  for i = 1, n do
    local b = 1 + (i - 1) * 4
    local inc, ttl, limit, soft = tonumber(ARGV[b+1]), tonumber(ARGV[b+2]), tonumber(ARGV[b+3]), ARGV[b+4] == "1"
    if limit > 0 then
      local cur = tonumber(redis.call("GET", KEYS[i]) or "0")
      if (soft and cur >= limit) or ((not soft) and cur + inc > limit) then
        local left = redis.call("PTTL", KEYS[i])
        if left < 0 then left = ttl end
        return {i, left}
      end
    end
  end
end
for i = 1, n do
  local b = 1 + (i - 1) * 4
  local inc, ttl = tonumber(ARGV[b+1]), tonumber(ARGV[b+2])
  redis.call("INCRBY", KEYS[i], inc)
  if ttl > 0 and redis.call("PTTL", KEYS[i]) < 0 then
    redis.call("PEXPIRE", KEYS[i], ttl)
  end
end
return {0, 0}
`)

func (r *Redis) run(ctx context.Context, check bool, cs []Counter) (*Denied, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(cs))
	args := make([]any, 1, 1+4*len(cs))
	args[0] = "0"
	if check {
		args[0] = "1"
	}
	for i, c := range cs {
		keys[i] = prefix + c.Key
		soft := "0"
		if c.Soft {
			soft = "1"
		}
		args = append(args, c.Inc, c.TTL.Milliseconds(), c.Limit, soft)
	}
	res, err := counterScript.Run(ctx, r.c, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("state: redis: %w", err)
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("state: redis: unexpected script answer %v", res)
	}
	if res[0] == 0 {
		return nil, nil
	}
	return &Denied{Index: int(res[0]) - 1, Retry: time.Duration(res[1]) * time.Millisecond}, nil
}

func (r *Redis) Reserve(ctx context.Context, cs []Counter) (*Denied, error) {
	return r.run(ctx, true, cs)
}

func (r *Redis) Add(ctx context.Context, cs []Counter) error {
	_, err := r.run(ctx, false, cs)
	return err
}

func (r *Redis) Get(ctx context.Context, keys ...string) ([]int64, error) {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = prefix + k
	}
	vals, err := r.c.MGet(ctx, full...).Result()
	if err != nil {
		return nil, fmt.Errorf("state: redis: %w", err)
	}
	out := make([]int64, len(keys))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return out, nil
}

func (r *Redis) Put(ctx context.Context, m, field string, value []byte) error {
	if err := r.c.HSet(ctx, prefix+m, field, value).Err(); err != nil {
		return fmt.Errorf("state: redis: %w", err)
	}
	return nil
}

func (r *Redis) Fetch(ctx context.Context, m, field string) ([]byte, error) {
	b, err := r.c.HGet(ctx, prefix+m, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("state: redis: %w", err)
	}
	return b, nil
}

func (r *Redis) FetchAll(ctx context.Context, m string) (map[string][]byte, error) {
	all, err := r.c.HGetAll(ctx, prefix+m).Result()
	if err != nil {
		return nil, fmt.Errorf("state: redis: %w", err)
	}
	out := make(map[string][]byte, len(all))
	for k, v := range all {
		out[k] = []byte(v)
	}
	return out, nil
}

func (r *Redis) Delete(ctx context.Context, m, field string) error {
	if err := r.c.HDel(ctx, prefix+m, field).Err(); err != nil {
		return fmt.Errorf("state: redis: %w", err)
	}
	return nil
}

func (r *Redis) Incr(ctx context.Context, m string, fields map[string]int64) error {
	// One MULTI: the totals of a request move together.
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for f, n := range fields {
			p.HIncrBy(ctx, prefix+m, f, n)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: redis: %w", err)
	}
	return nil
}

func (r *Redis) Close() error { return r.c.Close() }

// Package weaviate is the production vector store: Weaviate, through
// github.com/weaviate/weaviate-go-client/v4. Each namespace is a collection
// (class) with its own vector dimension, created on first use with cosine
// distance and no vectorizer (vectors come from the gateway's embedder).
// Partitions are a filtered property, so a search never leaves one.
//
// Weaviate answers distances (and "certainty", which is (1+cos)/2); this
// package converts them explicitly: cosine = 1 - cosine distance.
package weaviate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/google/uuid"
	wv "github.com/weaviate/weaviate-go-client/v4/weaviate"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/fault"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/filters"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/graphql"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/wasmgate/wasmgate/core/vectorstore"
)

// Options configure the store.
type Options struct {
	URL    string // http(s)://host:port
	APIKey string
	// Class is the prefix of the collections; the namespace follows it.
	Class   string
	Timeout time.Duration // of one operation (default 2 s)
}

// Store is a vectorstore.Store on Weaviate.
type Store struct {
	c       *wv.Client
	prefix  string
	timeout time.Duration

	mu   sync.Mutex
	dims map[string]int // class -> dimension, once known
}

// never is the expiry stored for entries without one (a number Weaviate
// filters on; far in the future).
const never = int64(1) << 52

// Open makes a store. It does not contact Weaviate: a server that is down
// at start makes the cache bypassed, not the gateway fail.
func Open(_ context.Context, o Options) (*Store, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("weaviate: url must be http(s)://host:port, got %q", o.URL)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Class == "" {
		o.Class = "Wasmgate"
	}
	cfg := wv.Config{Host: u.Host, Scheme: u.Scheme, Timeout: o.Timeout}
	if o.APIKey != "" {
		cfg.Headers = map[string]string{"Authorization": "Bearer " + o.APIKey}
	}
	c, err := wv.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("weaviate: %w", err)
	}
	return &Store{c: c, prefix: className(o.Class), timeout: o.Timeout, dims: map[string]int{}}, nil
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// className makes a valid Weaviate class name (a capital letter first,
// then letters and digits).
func className(s string) string {
	s = nonAlnum.ReplaceAllString(s, "")
	if s == "" {
		return "Wasmgate"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *Store) class(ns string) string { return s.prefix + className(ns) }

// objectID is a stable UUID per entry (v5 over namespace, partition, id).
func objectID(ns, partition, id string) strfmt.UUID {
	return strfmt.UUID(uuid.NewSHA1(uuid.NameSpaceURL, []byte("wasmgate:"+ns+"\x00"+partition+"\x00"+id)).String())
}

// unavailable wraps errors that mean "Weaviate did not answer properly":
// the connection failed, timed out, or the server failed (5xx).
func unavailable(err error) error {
	var we *fault.WeaviateClientError
	if errors.As(err, &we) && we.IsUnexpectedStatusCode && we.StatusCode >= 400 && we.StatusCode < 500 {
		return fmt.Errorf("weaviate: %w", err)
	}
	return fmt.Errorf("%w: weaviate: %v", vectorstore.ErrUnavailable, err)
}

func notFound(err error) bool {
	var we *fault.WeaviateClientError
	return errors.As(err, &we) && we.StatusCode == 404
}

var dimRe = regexp.MustCompile(`dimension=(\d+)`)

// ensure makes the namespace's class exist and checks the dimension: a
// class made for another dimension is a clear error, never a silent miss.
func (s *Store) ensure(ctx context.Context, ns string, dim int) error {
	cls := s.class(ns)
	s.mu.Lock()
	have, known := s.dims[cls]
	s.mu.Unlock()
	if !known {
		c, err := s.c.Schema().ClassGetter().WithClassName(cls).Do(ctx)
		switch {
		case err == nil:
			if m := dimRe.FindStringSubmatch(c.Description); m != nil {
				have, _ = strconv.Atoi(m[1])
			}
		case notFound(err) || isMissingClass(err):
			if dim == 0 {
				return nil // nothing stored yet, nothing to find
			}
			if err := s.create(ctx, cls, dim); err != nil {
				return err
			}
			have = dim
		default:
			return unavailable(err)
		}
		s.mu.Lock()
		s.dims[cls] = have
		s.mu.Unlock()
	}
	if dim != 0 && have != 0 && dim != have {
		return &vectorstore.DimensionError{Namespace: ns, Got: dim, Want: have}
	}
	return nil
}

func isMissingClass(err error) bool {
	var we *fault.WeaviateClientError
	return errors.As(err, &we) && we.StatusCode == 0 && strings.Contains(strings.ToLower(we.Msg), "not found")
}

func (s *Store) create(ctx context.Context, cls string, dim int) error {
	no := false
	class := &models.Class{
		Class:             cls,
		Description:       fmt.Sprintf("wasmgate cache entries; dimension=%d", dim),
		Vectorizer:        "none",
		VectorIndexConfig: map[string]any{"distance": "cosine"},
		Properties: []*models.Property{
			{Name: "partition", DataType: []string{"text"}, Tokenization: "field"},
			{Name: "entry_id", DataType: []string{"text"}, Tokenization: "field"},
			{Name: "payload", DataType: []string{"text"}, IndexFilterable: &no, IndexSearchable: &no},
			{Name: "expires", DataType: []string{"number"}},
		},
	}
	err := s.c.Schema().ClassCreator().WithClass(class).Do(ctx)
	if err != nil && !strings.Contains(strings.ToLower(err.Error()), "already exists") {
		return unavailable(err)
	}
	return nil
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Put adds or replaces an entry.
func (s *Store) Put(ctx context.Context, ns string, e vectorstore.Entry) error {
	if ns == "" || e.ID == "" {
		return errors.New("vector store: namespace and id must not be empty")
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.ensure(ctx, ns, len(e.Vector)); err != nil {
		return err
	}
	exp := never
	if !e.Expires.IsZero() {
		exp = e.Expires.UnixMilli()
	}
	obj := &models.Object{
		Class: s.class(ns),
		ID:    objectID(ns, e.Partition, e.ID),
		Properties: map[string]any{
			"partition": e.Partition, "entry_id": e.ID, "payload": string(e.Payload), "expires": exp,
		},
	}
	if len(e.Vector) > 0 {
		obj.Vector = e.Vector
	}
	res, err := s.c.Batch().ObjectsBatcher().WithObjects(obj).Do(ctx)
	if err != nil {
		return unavailable(err)
	}
	for _, r := range res {
		if r.Result != nil && r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
			msg := r.Result.Errors.Error[0].Message
			if strings.Contains(msg, "length") || strings.Contains(msg, "dimension") {
				return fmt.Errorf("%w (weaviate: %s)", &vectorstore.DimensionError{Namespace: ns, Got: len(e.Vector)}, msg)
			}
			return fmt.Errorf("weaviate: %s", msg)
		}
	}
	return nil
}

// Get returns a live entry by id.
func (s *Store) Get(ctx context.Context, ns, partition, id string) (vectorstore.Entry, bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	objs, err := s.c.Data().ObjectsGetter().WithClassName(s.class(ns)).WithID(string(objectID(ns, partition, id))).Do(ctx)
	if err != nil {
		if notFound(err) {
			return vectorstore.Entry{}, false, nil
		}
		return vectorstore.Entry{}, false, unavailable(err)
	}
	if len(objs) == 0 {
		return vectorstore.Entry{}, false, nil
	}
	e, ok := entry(objs[0].Properties)
	if !ok || e.Partition != partition || e.ID != id || expired(e) {
		return vectorstore.Entry{}, false, nil
	}
	return e, true, nil
}

func expired(e vectorstore.Entry) bool { return !e.Expires.IsZero() && !e.Expires.After(time.Now()) }

// entry reads an object's properties.
func entry(props any) (vectorstore.Entry, bool) {
	m, ok := props.(map[string]any)
	if !ok {
		return vectorstore.Entry{}, false
	}
	e := vectorstore.Entry{}
	e.Partition, _ = m["partition"].(string)
	e.ID, _ = m["entry_id"].(string)
	p, _ := m["payload"].(string)
	e.Payload = []byte(p)
	switch x := m["expires"].(type) {
	case float64:
		if int64(x) != never {
			e.Expires = time.UnixMilli(int64(x))
		}
	case int64:
		if x != never {
			e.Expires = time.UnixMilli(x)
		}
	}
	return e, e.ID != ""
}

// Search finds the nearest live entries of the partition.
func (s *Store) Search(ctx context.Context, ns, partition string, vec []float32, k int, min float32) ([]vectorstore.Match, error) {
	if k <= 0 {
		return nil, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.ensure(ctx, ns, 0); err != nil {
		return nil, err
	}
	s.mu.Lock()
	have := s.dims[s.class(ns)]
	s.mu.Unlock()
	if have != 0 && have != len(vec) {
		return nil, &vectorstore.DimensionError{Namespace: ns, Got: len(vec), Want: have}
	}
	if have == 0 {
		if _, known := s.dims[s.class(ns)]; !known {
			return nil, nil // the class does not exist yet
		}
	}
	where := filters.Where().WithOperator(filters.And).WithOperands([]*filters.WhereBuilder{
		filters.Where().WithPath([]string{"partition"}).WithOperator(filters.Equal).WithValueText(partition),
		filters.Where().WithPath([]string{"expires"}).WithOperator(filters.GreaterThan).WithValueNumber(float64(time.Now().UnixMilli())),
	})
	gql := s.c.GraphQL()
	res, err := gql.Get().WithClassName(s.class(ns)).
		WithNearVector(gql.NearVectorArgBuilder().WithVector(vec).WithDistance(1-min)).
		WithWhere(where).WithLimit(k).
		WithFields(graphql.Field{Name: "partition"}, graphql.Field{Name: "entry_id"}, graphql.Field{Name: "payload"}, graphql.Field{Name: "expires"},
			graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: "distance"}}}).
		Do(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	if len(res.Errors) > 0 {
		msg := res.Errors[0].Message
		if strings.Contains(msg, "length") || strings.Contains(msg, "dimension") {
			return nil, fmt.Errorf("%w (weaviate: %s)", &vectorstore.DimensionError{Namespace: ns, Got: len(vec), Want: have}, msg)
		}
		return nil, fmt.Errorf("weaviate: %s", msg)
	}
	get, _ := res.Data["Get"].(map[string]any)
	list, _ := get[s.class(ns)].([]any)
	var out []vectorstore.Match
	for _, item := range list {
		e, ok := entry(item)
		if !ok || e.Partition != partition || expired(e) {
			continue
		}
		add, _ := item.(map[string]any)["_additional"].(map[string]any)
		d, ok := add["distance"].(float64)
		if !ok {
			continue
		}
		// Cosine distance is 1 - cosine similarity; certainty would be (1+cos)/2.
		cos := float32(1 - d)
		if cos < min {
			continue
		}
		out = append(out, vectorstore.Match{Entry: e, Cosine: cos})
	}
	return out, nil
}

// Sweep deletes expired entries of every namespace this store has used.
func (s *Store) Sweep() int {
	s.mu.Lock()
	classes := make([]string, 0, len(s.dims))
	for c := range s.dims {
		classes = append(classes, c)
	}
	s.mu.Unlock()
	n := 0
	for _, cls := range classes {
		ctx, cancel := s.ctx(context.Background())
		res, err := s.c.Batch().ObjectsBatchDeleter().WithClassName(cls).WithOutput("minimal").
			WithWhere(filters.Where().WithPath([]string{"expires"}).WithOperator(filters.LessThanEqual).WithValueNumber(float64(time.Now().UnixMilli()))).
			Do(ctx)
		cancel()
		if err == nil && res != nil && res.Results != nil {
			n += int(res.Results.Successful)
		}
	}
	return n
}

// Close does nothing: the client holds no resources that need closing.
func (s *Store) Close() error { return nil }

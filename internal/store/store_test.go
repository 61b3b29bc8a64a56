package store

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// lockerEnv makes the test binary a second process that holds an exclusive
// transaction on a database until its stdin closes (see holdLock).
const lockerEnv = "GATESH_STORE_TEST_LOCKER"

func TestMain(m *testing.M) {
	if path := os.Getenv(lockerEnv); path != "" {
		os.Exit(lockForever(path))
	}
	os.Exit(m.Run())
}

func lockForever(path string) int {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"BEGIN EXCLUSIVE", "CREATE TABLE IF NOT EXISTS locker (x)", "INSERT INTO locker VALUES (1)"} {
		if _, err := db.Exec(q); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
	return 0
}

// holdLock starts another process that holds an exclusive lock on path, and
// returns a function that releases it.
func holdLock(t *testing.T, path string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockerEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("locker process: %q", line)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("locker process: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func sample(key string) *Request {
	return &Request{
		Text:      "source /tmp/snap && eval 'git push origin main' < /dev/null",
		Command:   "git push origin main",
		Key:       key,
		Cwd:       "/home/u/repo",
		Workspace: "/home/u/repo",
		Branch:    "feature",
		Agent:     "claude-code",
		Session:   "s1",
		Harness:   "claude",
		Class:     "external",
		Rules:     []Rule{{ID: "git.push", Msg: "a push changes the remote", Class: "external"}},
		Facts:     json.RawMessage(`[{"name":"git","argv":["git","push","origin","main"]}]`),
		PID:       4242,
		UID:       1000,
	}
}

func add(t *testing.T, s *Store, r *Request) Request {
	t.Helper()
	if _, err := s.AddRequest(r); err != nil {
		t.Fatal(err)
	}
	return *r
}

var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

func TestMigrationsMatchVersion(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Fatalf("%d migrations, SchemaVersion %d", len(migrations), SchemaVersion)
	}
}

func TestOpenSettings(t *testing.T) {
	s, path := newStore(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	checks := map[string]string{
		"PRAGMA journal_mode":   "wal",
		"PRAGMA foreign_keys":   "1",
		"PRAGMA busy_timeout":   "5000",
		"PRAGMA synchronous":    "2",
		"PRAGMA user_version":   fmt.Sprint(SchemaVersion),
		"PRAGMA application_id": fmt.Sprint(appID),
	}
	for q, want := range checks {
		var got string
		if err := s.db.QueryRow(q).Scan(&got); err != nil {
			t.Fatal(q, err)
		}
		if got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	if s.Path() != path {
		t.Errorf("Path() = %s, want %s", s.Path(), path)
	}
}

func TestOpenEmptyFileAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	add(t, s, sample("k"))
	s.Close()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "state.db")
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	_, path := newStore(t)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := readFile(t, path)
	_, err = Open(path)
	if !errors.Is(err, ErrTooNew) {
		t.Fatalf("err = %v, want ErrTooNew", err)
	}
	t.Log(err)
	for _, want := range []string{path, "99", fmt.Sprint(SchemaVersion)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Error("Open changed a database it refused")
	}
}

func TestOpenRefusesOtherDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE photos (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = Open(path)
	if !errors.Is(err, ErrNotGatesh) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ErrNotGatesh naming the path", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorruptFileKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i*7 + i/256)
	}
	if err := os.WriteFile(path, garbage, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	checkCorrupt(t, err, path)
	if !bytes.Equal(garbage, readFile(t, path)) {
		t.Fatal("Open changed the corrupt file")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", fi.Mode().Perm())
	}
}

func TestCorruptPagesKept(t *testing.T) {
	s, path := newStore(t)
	add(t, s, sample("k"))
	s.Close()
	b := readFile(t, path)
	for i := 100; i < len(b); i++ { // keep the header, break every page
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	s2, err := Open(path)
	if err == nil {
		_, err = s2.Requests(Filter{})
		s2.Close()
	}
	checkCorrupt(t, err, path)
	if !bytes.Equal(b, readFile(t, path)) {
		t.Fatal("the corrupt file was changed")
	}
}

func checkCorrupt(t *testing.T, err error, path string) {
	t.Helper()
	t.Log(err)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	for _, want := range []string{path, "not a usable database", "move it aside", "gatesh will create a new one"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestLockedDatabase(t *testing.T) {
	_, path := newStore(t) // still open: a second process must see our WAL
	release := holdLock(t, path)
	s, err := OpenWith(path, Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil { // WAL readers are not blocked, so Open itself succeeds
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = s.AddRequest(sample("k"))
	checkLocked(t, err, start)
	start = time.Now()
	_, err = s.AddGrant(&Grant{Rules: []string{"r"}, Pattern: "p", Expires: time.Now().Add(time.Hour)})
	checkLocked(t, err, start)
	release()
	if _, err := s.AddRequest(sample("k")); err != nil {
		t.Fatalf("after the lock went: %v", err)
	}
}

func TestOpenLockedNewDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	holdLock(t, path) // a rollback-journal database mid-write: nobody can read it
	start := time.Now()
	_, err := OpenWith(path, Options{BusyTimeout: 200 * time.Millisecond})
	checkLocked(t, err, start)
}

func checkLocked(t *testing.T, err error, start time.Time) {
	t.Helper()
	t.Log(err)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "database is locked by another process") {
		t.Errorf("error %q does not say the database is locked by another process", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

func TestFullDiskIsReported(t *testing.T) {
	s, _ := newStore(t)
	var pages int
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The store has one connection, so this limit applies to what follows.
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	r := sample("k")
	r.Text = strings.Repeat("x", 1<<20)
	_, err := s.AddRequest(r)
	if err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("err = %v, want a full-disk error", err)
	}
	t.Log(err)
	if got, _ := s.Requests(Filter{}); len(got) != 0 {
		t.Errorf("a failed add left %d requests", len(got))
	}
}

func TestClosedStoreReturnsErrors(t *testing.T) {
	s, _ := newStore(t)
	id := add(t, s, sample("k")).ID
	s.Close()
	errs := map[string]error{}
	_, errs["AddRequest"] = s.AddRequest(sample("k"))
	_, errs["Request"] = s.Request(id)
	_, errs["Requests"] = s.Requests(Filter{})
	_, errs["Decide"] = s.Decide(id, Approved, "me", "", 0)
	_, errs["SetStatus"] = s.SetStatus(id, []string{Pending}, Gone)
	_, _, errs["FindApproved"] = s.FindApproved("k")
	_, errs["AddGrant"] = s.AddGrant(&Grant{Rules: []string{"r"}, Pattern: "p", Expires: time.Now().Add(time.Hour)})
	_, errs["Grants"] = s.Grants(time.Now(), true)
	_, errs["Revoke"] = s.Revoke(1)
	errs["UseGrant"] = s.UseGrant(1, time.Now())
	_, errs["Events"] = s.Events(id)
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s on a closed store: no error", name)
		}
	}
}

func TestRequestRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	r := sample("k1")
	before := time.Now()
	id, err := s.AddRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || r.ID != id || r.Status != Pending || r.Created.Before(before) {
		t.Fatalf("AddRequest set id %d/%d status %q created %v", id, r.ID, r.Status, r.Created)
	}
	got, err := s.Request(id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*r, got, cmpOpts); diff != "" {
		t.Errorf("stored request differs (-want +got):\n%s", diff)
	}
	if _, err := s.Request(id + 100); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing request: err = %v, want ErrNotFound", err)
	}
}

func TestRequestNoRulesNoFacts(t *testing.T) {
	s, _ := newStore(t)
	id := add(t, s, &Request{Command: "x", Key: "k"}).ID
	got, err := s.Request(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != 0 || got.Facts != nil {
		t.Errorf("rules %v facts %s", got.Rules, got.Facts)
	}
}

func TestAddRequestRefuses(t *testing.T) {
	s, _ := newStore(t)
	bad := map[string]*Request{
		"no key":         {Command: "x"},
		"unknown status": {Command: "x", Key: "k", Status: "maybe"},
		"bad facts":      {Command: "x", Key: "k", Facts: json.RawMessage("{nope")},
	}
	for name, r := range bad {
		if _, err := s.AddRequest(r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got, _ := s.Requests(Filter{}); len(got) != 0 {
		t.Errorf("%d requests stored", len(got))
	}
}

func TestRequestsFilter(t *testing.T) {
	s, _ := newStore(t)
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	var ids []int64
	for i, st := range []string{Pending, Denied, Pending, Gone, Approved} {
		r := sample(fmt.Sprint("k", i))
		r.Status = st
		r.Created = t0.Add(time.Duration(i) * time.Minute)
		ids = append(ids, add(t, s, r).ID)
	}
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all, newest first", Filter{}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"pending", Filter{Status: []string{Pending}}, []int64{ids[2], ids[0]}},
		{"pending or gone", Filter{Status: []string{Pending, Gone}}, []int64{ids[3], ids[2], ids[0]}},
		{"since", Filter{Since: t0.Add(2 * time.Minute)}, []int64{ids[4], ids[3], ids[2]}},
		{"limit", Filter{Limit: 2}, []int64{ids[4], ids[3]}},
		{"all three", Filter{Status: []string{Pending}, Since: t0.Add(time.Second), Limit: 5}, []int64{ids[2]}},
		{"none", Filter{Status: []string{Used}}, nil},
	}
	for _, c := range cases {
		got, err := s.Requests(c.f)
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []int64
		for _, r := range got {
			gotIDs = append(gotIDs, r.ID)
		}
		if !slices.Equal(gotIDs, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, gotIDs, c.want)
		}
	}
}

// withStatus adds a request that is already in status st.
func withStatus(t *testing.T, s *Store, st string) int64 {
	t.Helper()
	r := sample("k-" + st)
	r.Status = st
	return add(t, s, r).ID
}

func TestDecideTransitions(t *testing.T) {
	s, _ := newStore(t)
	for _, from := range statuses {
		for _, to := range []string{Approved, Denied} {
			id := withStatus(t, s, from)
			r, err := s.Decide(id, to, "alice", "why", 0)
			allowed := from == Pending || from == Gone
			switch {
			case allowed && err != nil:
				t.Errorf("%s -> %s: %v", from, to, err)
			case allowed && (r.Status != to || r.Approver != "alice" || r.Reason != "why" || r.Decided.IsZero()):
				t.Errorf("%s -> %s: got %+v", from, to, r)
			case !allowed:
				checkStatusErr(t, err, id, from)
			}
		}
	}
}

func checkStatusErr(t *testing.T, err error, id int64, status string) {
	t.Helper()
	var se *StatusError
	if !errors.Is(err, ErrNotPending) || !errors.As(err, &se) || se.Status != status || se.ID != id {
		t.Fatalf("err = %v, want a StatusError for request %d in %s", err, id, status)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("request %d is %s", id, status)) {
		t.Errorf("error %q does not give the current status", err)
	}
}

func TestDecideRefuses(t *testing.T) {
	s, _ := newStore(t)
	id := withStatus(t, s, Pending)
	for _, st := range []string{Pending, Used, Gone, Withdrawn, "yes"} {
		if _, err := s.Decide(id, st, "alice", "", 0); !errors.Is(err, ErrBadTransition) {
			t.Errorf("decide %q: err = %v, want ErrBadTransition", st, err)
		}
	}
	if _, err := s.Decide(id, Denied, "alice", "", 7); !errors.Is(err, ErrBadTransition) {
		t.Errorf("denial with a grant: err = %v", err)
	}
	if _, err := s.Decide(id+100, Approved, "alice", "", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing request: err = %v", err)
	}
	// Foreign keys are on: a grant that does not exist is refused, and the
	// failed decision leaves the request as it was.
	if _, err := s.Decide(id, Approved, "alice", "", 999); err == nil {
		t.Error("approval naming a missing grant accepted")
	}
	if r, _ := s.Request(id); r.Status != Pending {
		t.Errorf("status %s after a failed decision", r.Status)
	}
}

func TestDecideWithGrant(t *testing.T) {
	s, _ := newStore(t)
	id := withStatus(t, s, Pending)
	g := &Grant{Rules: []string{"git.push"}, Pattern: "git push origin *", RequestID: id, Expires: time.Now().Add(time.Hour)}
	if _, err := s.AddGrant(g); err != nil {
		t.Fatal(err)
	}
	r, err := s.Decide(id, Approved, "alice", "", g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.GrantID != g.ID {
		t.Errorf("grant id %d, want %d", r.GrantID, g.ID)
	}
}

func TestSetStatusTransitions(t *testing.T) {
	s, _ := newStore(t)
	for _, from := range statuses {
		for _, to := range statuses {
			id := withStatus(t, s, from)
			r, err := s.SetStatus(id, []string{from}, to)
			allowed := setEdges[[2]string{from, to}]
			if !allowed {
				if !errors.Is(err, ErrBadTransition) {
					t.Errorf("%s -> %s: err = %v, want ErrBadTransition", from, to, err)
				}
				continue
			}
			if err != nil || r.Status != to {
				t.Errorf("%s -> %s: status %s, err %v", from, to, r.Status, err)
			}
			if (to == Used) != !r.Used.IsZero() {
				t.Errorf("%s -> %s: Used = %v", from, to, r.Used)
			}
		}
	}
}

func TestSetStatusGuard(t *testing.T) {
	s, _ := newStore(t)
	for _, c := range []struct {
		status, to string
		from       []string
	}{
		{Approved, Gone, []string{Pending}},
		{Denied, Withdrawn, []string{Pending}},
		{Pending, Used, []string{Approved}},
		{Used, Used, []string{Approved}}, // an approve-once is used only once
	} {
		id := withStatus(t, s, c.status)
		_, err := s.SetStatus(id, c.from, c.to)
		checkStatusErr(t, err, id, c.status)
		if r, _ := s.Request(id); r.Status != c.status {
			t.Errorf("refused change moved %s to %s", c.status, r.Status)
		}
	}
	if _, err := s.SetStatus(999, []string{Pending}, Gone); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing request: err = %v", err)
	}
	if _, err := s.SetStatus(1, nil, Gone); !errors.Is(err, ErrBadTransition) {
		t.Errorf("empty from: err = %v", err)
	}
}

func TestFindApproved(t *testing.T) {
	s, _ := newStore(t)
	if _, ok, err := s.FindApproved("k"); ok || err != nil {
		t.Fatalf("empty store: ok %v err %v", ok, err)
	}
	first := add(t, s, sample("k")).ID
	second := add(t, s, sample("k")).ID
	other := add(t, s, sample("other")).ID
	denied := add(t, s, sample("k")).ID
	if _, ok, _ := s.FindApproved("k"); ok {
		t.Fatal("found an approval for pending requests")
	}
	for _, id := range []int64{second, first, other} { // approve the newer one first
		if _, err := s.Decide(id, Approved, "alice", "", 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Decide(denied, Denied, "alice", "no", 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int64{first, second} {
		r, ok, err := s.FindApproved("k")
		if err != nil || !ok || r.ID != want {
			t.Fatalf("FindApproved = %d %v %v, want %d", r.ID, ok, err, want)
		}
		if _, err := s.SetStatus(r.ID, []string{Approved}, Used); err != nil {
			t.Fatal(err)
		}
	}
	if r, ok, _ := s.FindApproved("k"); ok {
		t.Errorf("used approvals found again: %d", r.ID)
	}
	if _, ok, _ := s.FindApproved(""); ok {
		t.Error("empty key matched")
	}
	if r, ok, _ := s.FindApproved("other"); !ok || r.ID != other {
		t.Errorf("other key: %d %v", r.ID, ok)
	}
}

func TestEvents(t *testing.T) {
	s, _ := newStore(t)
	id := add(t, s, sample("k")).ID
	if _, err := s.Decide(id, Approved, "alice", "looks fine", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatusBy(id, []string{Approved}, Used, "daemon", "pid 77"); err != nil {
		t.Fatal(err)
	}
	_, _ = s.SetStatus(id, []string{Approved}, Used) // refused: not recorded
	evs, err := s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{RequestID: id, From: "", To: Pending},
		{RequestID: id, From: Pending, To: Approved, Who: "alice", Note: "looks fine"},
		{RequestID: id, From: Approved, To: Used, Who: "daemon", Note: "pid 77"},
	}
	ignore := cmpopts.IgnoreFields(Event{}, "ID", "At")
	if diff := cmp.Diff(want, evs, ignore); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].At.Before(evs[i-1].At) || evs[i].At.IsZero() {
			t.Errorf("event times out of order: %v", evs)
		}
	}
	if _, err := s.Events(id + 100); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing request: err = %v", err)
	}
}

func TestPendingSurvivesReopen(t *testing.T) {
	s, path := newStore(t)
	r := add(t, s, sample("k"))
	gone := add(t, s, sample("k2"))
	if _, err := s.SetStatusBy(gone.ID, []string{Pending}, Gone, "daemon", "pid went away"); err != nil {
		t.Fatal(err)
	}
	evsBefore, _ := s.Events(gone.ID)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Request(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got, cmpOpts); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
	evsAfter, err := s2.Events(gone.ID)
	if err != nil || !cmp.Equal(evsBefore, evsAfter) || len(evsAfter) != 2 {
		t.Errorf("history after reopen: %v %v, before %v", evsAfter, err, evsBefore)
	}
	// A gone request can still be approved after the restart.
	if _, err := s2.Decide(gone.ID, Approved, "alice", "", 0); err != nil {
		t.Error(err)
	}
	next := add(t, s2, sample("k3")).ID
	if next <= gone.ID {
		t.Errorf("id %d reused after reopen", next)
	}
}

func TestConcurrentAdd(t *testing.T) {
	s, _ := newStore(t)
	const n = 20
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := s.AddRequest(sample(fmt.Sprint("k", i)))
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	slices.Sort(ids)
	if len(slices.Compact(slices.Clone(ids))) != n || ids[0] == 0 {
		t.Fatalf("ids not distinct: %v", ids)
	}
	list, err := s.Requests(Filter{Status: []string{Pending}})
	if err != nil {
		t.Fatal(err)
	}
	var listed []int64
	for _, r := range list {
		listed = append(listed, r.ID)
	}
	slices.Sort(listed)
	if !slices.Equal(ids, listed) {
		t.Errorf("listed %v, added %v", listed, ids)
	}
}

func TestConcurrentDecideOneWins(t *testing.T) {
	s, _ := newStore(t)
	id := add(t, s, sample("k")).ID
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, losses := 0, 0
	for i := range 10 {
		wg.Go(func() {
			st := []string{Approved, Denied}[i%2]
			_, err := s.Decide(id, st, fmt.Sprint("person", i), "", 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrNotPending):
				losses++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || losses != 9 {
		t.Errorf("%d decisions won, %d refused; want 1 and 9", wins, losses)
	}
	if evs, _ := s.Events(id); len(evs) != 2 {
		t.Errorf("history has %d events, want 2", len(evs))
	}
}

func grant(pattern string, expires time.Time) *Grant {
	return &Grant{Rules: []string{"git.push"}, Pattern: pattern, Workspace: "/w", Expires: expires}
}

func TestAddGrantRefuses(t *testing.T) {
	s, _ := newStore(t)
	later := time.Now().Add(time.Hour)
	for name, g := range map[string]*Grant{
		"no rules":      {Pattern: "p", Expires: later},
		"empty rule id": {Rules: []string{""}, Pattern: "p", Expires: later},
		"no pattern":    {Rules: []string{"r"}, Expires: later},
		"no expiry":     {Rules: []string{"r"}, Pattern: "p"},
		"expired":       {Rules: []string{"r"}, Pattern: "p", Created: later, Expires: later.Add(-time.Minute)},
		"no request":    {Rules: []string{"r"}, Pattern: "p", Expires: later, RequestID: 999},
	} {
		if _, err := s.AddGrant(g); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGrants(t *testing.T) {
	s, _ := newStore(t)
	now := time.Now()
	active := grant("git push origin *", now.Add(time.Hour))
	expired := grant("git push origin main", now.Add(-time.Minute))
	expired.Created = now.Add(-time.Hour)
	revoked := grant("npm publish", now.Add(time.Hour))
	for _, g := range []*Grant{active, expired, revoked} {
		if _, err := s.AddGrant(g); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Revoke(revoked.ID)
	if err != nil || r.Revoked.IsZero() {
		t.Fatalf("Revoke: %+v %v", r, err)
	}
	again, err := s.Revoke(revoked.ID)
	if err != nil || !again.Revoked.Equal(r.Revoked) {
		t.Errorf("second Revoke: %v %v, first at %v", again.Revoked, err, r.Revoked)
	}
	if _, err := s.Revoke(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke missing: %v", err)
	}
	got, err := s.Grants(now, false)
	if err != nil || len(got) != 1 || got[0].ID != active.ID {
		t.Fatalf("active grants: %v %v", got, err)
	}
	if diff := cmp.Diff(*active, got[0], cmpOpts); diff != "" {
		t.Errorf("stored grant (-want +got):\n%s", diff)
	}
	all, _ := s.Grants(now, true)
	if len(all) != 3 || all[0].ID != revoked.ID {
		t.Errorf("all grants, newest first: %v", all)
	}
	if later, _ := s.Grants(now.Add(2*time.Hour), false); len(later) != 0 {
		t.Errorf("grants active after they expire: %v", later)
	}
}

func TestUseGrant(t *testing.T) {
	s, _ := newStore(t)
	now := time.Now()
	g := grant("git push origin *", now.Add(time.Hour))
	if _, err := s.AddGrant(g); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.UseGrant(g.ID, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Grant(g.ID)
	if err != nil || got.Uses != 2 || !got.LastUsed.Equal(now.Add(time.Minute)) {
		t.Fatalf("after two uses: %+v %v", got, err)
	}
	if err := s.UseGrant(g.ID, now.Add(2*time.Hour)); !errors.Is(err, ErrInactive) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("use after expiry: %v", err)
	}
	s.Revoke(g.ID)
	if err := s.UseGrant(g.ID, now); !errors.Is(err, ErrInactive) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("use after revoke: %v", err)
	}
	if got, _ := s.Grant(g.ID); got.Uses != 2 {
		t.Errorf("refused uses counted: %d", got.Uses)
	}
	if err := s.UseGrant(999, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing grant: %v", err)
	}
	if _, err := s.Grant(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing grant: %v", err)
	}
}

func TestApproveWithGrant(t *testing.T) {
	s, _ := newStore(t)
	id := add(t, s, sample("k")).ID
	g := grant("git push origin *", time.Now().Add(time.Hour))
	r, err := s.ApproveWithGrant(id, "alice", "ok for an hour", g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Approved || r.GrantID == 0 || r.GrantID != g.ID || g.RequestID != id || g.Approver != "alice" {
		t.Fatalf("request %+v grant %+v", r, g)
	}
	evs, _ := s.Events(id)
	if note := evs[len(evs)-1].Note; note != fmt.Sprintf("grant %d; ok for an hour", g.ID) {
		t.Errorf("event note %q", note)
	}
	_, err = s.ApproveWithGrant(id, "bob", "", grant("x", time.Now().Add(time.Hour)))
	checkStatusErr(t, err, id, Approved)
	if all, _ := s.Grants(time.Now(), true); len(all) != 1 {
		t.Errorf("a refused approval left a grant: %d grants", len(all))
	}
}

func TestGrantActive(t *testing.T) {
	now := time.Now()
	g := Grant{Expires: now.Add(time.Minute)}
	if !g.Active(now) || g.Active(now.Add(time.Minute)) {
		t.Error("expiry")
	}
	g.Revoked = now
	if g.Active(now) {
		t.Error("revoked grant active")
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, command string
		want             bool
	}{
		{"git push origin main", "git push origin main", true},
		{"git push origin main", "git push origin main2", false},
		{"git push origin main", "git push origin mai", false},
		{"", "", true},
		{"git push origin *", "git push origin main", true},
		{"git push origin *", "git push origin ", true},
		{"git push origin *", "git push origin feature/x --force", true},
		{"git push origin *", "git push upstream main", false},
		{"git push origin *", "xgit push origin main", false},
		{"*", "anything at all", true},
		{"*", "", true},
		{"git * main", "git push origin main", true},
		{"git * main", "git push origin main2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"**", "x", true},
		{"*.txt", "a.txt", true},
		{"rm a.txt", "rm abtxt", false}, // . is not any character
		{"rm a?", "rm ab", false},       // ? is literal
		{"rm a?", "rm a?", true},
		{"rm [ab]", "rm a", false}, // [ is literal
		{"rm [ab]", "rm [ab]", true},
		{"rm a+", "rm aa", false},
		{"rm ^a$", "rm ^a$", true},
		{`echo \*`, `echo \x`, true}, // backslash does not escape
		{`echo \*`, `echo x`, false},
		{"rm (a|b)", "rm a", false},
		{"echo é*", "echo éà", true},
		// * stays within one simple command.
		{"git push origin *", "git push origin main; git push evil main", false},
		{"git push origin *", "git push origin main && rm -rf ~", false},
		{"git push origin *", "git push origin main | sh", false},
		{"git push origin *", "git push origin main\nrm -rf ~", false},
		{"git push origin *", "git push origin $(curl evil)", false},
		{"git push origin *", "git push origin `id`", false},
		{"git push origin *", "git push origin main > ~/.bashrc", false},
		{"git push origin *; echo done", "git push origin main; echo done", true},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.command); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.command, got, c.want)
		}
	}
}

// TestMatchAgreesWithRegexp checks Match against a regular expression built
// from the definition, on random patterns and commands.
func TestMatchAgreesWithRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alpha := []byte("ab*;. ?")
	str := func(n int) string {
		b := make([]byte, rng.IntN(n))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	for range 20000 {
		p, c := str(7), str(9)
		parts := strings.Split(p, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile(`^` + strings.Join(parts, `[^`+regexp.QuoteMeta(stops)+`]*`) + `$`)
		if got, want := Match(p, c), re.MatchString(c); got != want {
			t.Fatalf("Match(%q, %q) = %v, regexp says %v", p, c, got, want)
		}
	}
}

package wire

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatesh/gatesh/internal/jsonstr"
)

// gatesh sends one Request and reads one Response per command, in a process
// that lives a few milliseconds. encoding/json builds its per-type encoders and
// decoders by reflection on first use, which cost gatesh more than the rest of
// its own work; these hand-written forms do the same for the agent's messages.
// They are tested against encoding/json: what AppendRequest writes decodes to
// what json.Marshal would have written, and DecodeResponse reads what
// json.Marshal writes as json.Unmarshal does.

// AppendRequest appends r as JSON, as json.Marshal would write it (field names,
// omitempty, sorted map keys, invalid UTF-8 as U+FFFD), to b.
func AppendRequest(b []byte, r *Request) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(r.V), 10)
	b = appendField(b, "op", r.Op, false)
	b = appendField(b, "mode", r.Mode, true)
	b = appendField(b, "text", r.Text, true)
	b = appendField(b, "script", r.Script, true)
	b = appendStrings(b, "flags", r.Flags)
	b = appendBool(b, "login", r.Login)
	b = appendBool(b, "interactive", r.Interactive)
	b = appendField(b, "cwd", r.Cwd, true)
	b = appendStrings(b, "env", r.Env)
	b = appendInt(b, "pid", int64(r.PID))
	b = appendInt(b, "id", r.ID)
	b = appendInt(b, "wait", int64(r.Wait))
	b = appendField(b, "session", r.Session, true)
	if len(r.Aliases) > 0 {
		keys := make([]string, 0, len(r.Aliases))
		for k := range r.Aliases {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, `,"aliases":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, r.Aliases[k])
		}
		b = append(b, '}')
	}
	b = appendField(b, "functions", r.Functions, true)
	return append(b, '}')
}

func appendField(b []byte, name, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendStrings(b []byte, name string, vs []string) []byte {
	if len(vs) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendBool(b []byte, name string, v bool) []byte {
	if !v {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	return append(b, `":true`...)
}

func appendInt(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s) }

// errSyntax is a malformed message.
var errSyntax = errors.New("malformed JSON")

// DecodeResponse reads one Response. A response that carries the person's
// lists (requests, grants) is read by encoding/json; gatesh never gets one.
func DecodeResponse(data []byte) (Response, error) {
	var r Response
	d := decoder{data: data}
	err := d.object(func(key string) error {
		switch key {
		case "v":
			return d.int(&r.V)
		case "error":
			return d.str(&r.Error)
		case "action":
			return d.str(&r.Action)
		case "class":
			return d.str(&r.Class)
		case "reasons":
			return d.reasons(&r.Reasons)
		case "command":
			return d.str(&r.Command)
		case "harness":
			return d.str(&r.Harness)
		case "line":
			return d.str(&r.Line)
		case "gate":
			return d.bool(&r.Gate)
		case "defines":
			return d.bool(&r.Defines)
		case "decision_id":
			return d.str(&r.DecisionID)
		case "pid":
			return d.int(&r.PID)
		case "policy_error":
			return d.str(&r.PolicyError)
		case "agent":
			return d.str(&r.Agent)
		case "record":
			return d.bool(&r.Record)
		case "request_id":
			return d.int64(&r.RequestID)
		case "wait":
			return d.int(&r.Wait)
		case "outcome":
			return d.str(&r.Outcome)
		case "note":
			return d.str(&r.Note)
		default:
			return d.skip()
		}
	})
	if err == nil {
		d.space()
		if d.i != len(d.data) {
			err = d.fail("data after the message")
		}
	}
	if err != nil {
		return Response{}, err
	}
	return r, nil
}

// decoder reads JSON values from data at i.
type decoder struct {
	data []byte
	i    int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, d.i)
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	d.space()
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

// null consumes a null (which leaves a field as it is, as encoding/json does).
func (d *decoder) null() bool {
	if d.peek() == 'n' && d.literal("null") {
		return true
	}
	return false
}

func (d *decoder) literal(word string) bool {
	if len(d.data)-d.i >= len(word) && string(d.data[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// object calls field for each key, with the decoder at the key's value.
func (d *decoder) object(field func(key string) error) error {
	if d.peek() != '{' {
		return d.fail("want an object")
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		var key string
		if err := d.str(&key); err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.fail("want ':'")
		}
		d.i++
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.fail("want ',' or '}'")
		}
	}
}

// array calls elem for each element.
func (d *decoder) array(elem func() error) error {
	if d.peek() != '[' {
		return d.fail("want an array")
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.fail("want ',' or ']'")
		}
	}
}

func (d *decoder) reasons(out *[]Reason) error {
	if d.null() {
		return nil
	}
	rs := []Reason{}
	err := d.array(func() error {
		var r Reason
		if !d.null() {
			err := d.object(func(key string) error {
				switch key {
				case "id":
					return d.str(&r.ID)
				case "msg":
					return d.str(&r.Msg)
				case "class":
					return d.str(&r.Class)
				}
				return d.skip()
			})
			if err != nil {
				return err
			}
		}
		rs = append(rs, r)
		return nil
	})
	*out = rs
	return err
}

func (d *decoder) bool(out *bool) error {
	switch {
	case d.null():
	case d.peek() == 't' && d.literal("true"):
		*out = true
	case d.peek() == 'f' && d.literal("false"):
		*out = false
	default:
		return d.fail("want a boolean")
	}
	return nil
}

func (d *decoder) int(out *int) error {
	var n int64
	if err := d.int64(&n); err != nil {
		return err
	}
	if int64(int(n)) != n {
		return d.fail("number out of range")
	}
	*out = int(n)
	return nil
}

// int64 reads an integer (no fraction or exponent, as encoding/json wants for
// an integer field).
func (d *decoder) int64(out *int64) error {
	if d.null() {
		return nil
	}
	d.space()
	start := d.i
	if d.i < len(d.data) && d.data[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || (d.i-digits > 1 && d.data[digits] == '0') {
		return d.fail("want an integer")
	}
	n, err := strconv.ParseInt(string(d.data[start:d.i]), 10, 64)
	if err != nil {
		return d.fail("number out of range")
	}
	*out = n
	return nil
}

// str reads a string, decoding escapes; invalid UTF-8 becomes U+FFFD.
func (d *decoder) str(out *string) error {
	if d.null() {
		return nil
	}
	if d.peek() != '"' {
		return d.fail("want a string")
	}
	d.i++
	start := d.i
	// The common case: no escapes, valid UTF-8.
	for d.i < len(d.data) {
		c := d.data[d.i]
		if c == '"' {
			if utf8.Valid(d.data[start:d.i]) {
				*out = string(d.data[start:d.i])
				d.i++
				return nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	d.i = start
	var b []byte
	for {
		if d.i >= len(d.data) {
			return d.fail("unterminated string")
		}
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			*out = string(b)
			return nil
		case c < 0x20:
			return d.fail("control character in a string")
		case c == '\\':
			if d.i+1 >= len(d.data) {
				return d.fail("unterminated escape")
			}
			e := d.data[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return d.fail("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					save := d.i
					if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
						d.i += 2
						if x, ok := d.hex4(); ok {
							r2 = x
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						d.i = save
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return d.fail("bad escape")
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, d.data[d.i:d.i+size]...)
			}
			d.i += size
		}
	}
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.data) {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.i : d.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// skip passes over any value (a field this reader does not keep).
func (d *decoder) skip() error {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func(string) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		var s string
		return d.str(&s)
	case c == 't' && d.literal("true"), c == 'f' && d.literal("false"), c == 'n' && d.literal("null"):
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := d.i
		for d.i < len(d.data) && isNumberByte(d.data[d.i]) {
			d.i++
		}
		if !validNumber(d.data[start:d.i]) {
			return d.fail("bad number")
		}
		return nil
	default:
		return d.fail("want a value")
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber reports whether b is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	if n := digits(); n == 0 || n > 1 && b[start] == '0' {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ValueOf converts a Go value (structs with json tags, maps with string keys,
// slices, strings, numbers, booleans, pointers) into a Rego value directly, without a
// JSON round trip. Nil slices become empty arrays and nil maps empty objects, so that
// a rule can count or iterate any array field without guarding against null; a nil
// pointer becomes null. Fields tagged "-" are skipped; "omitempty" is honoured only
// for nil pointers.
func ValueOf(v any) (ast.Value, error) {
	return valueOf(reflect.ValueOf(v))
}

// JSON converts v the way ValueOf does and returns it as plain JSON-compatible Go
// values, so that what `gatectl input` prints is exactly what the policy sees.
func JSON(v any) (any, error) {
	val, err := ValueOf(v)
	if err != nil {
		return nil, err
	}
	return ast.JSON(val)
}

type fieldInfo struct {
	index     []int
	name      *ast.Term
	omitEmpty bool
	embedded  bool
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var out []fieldInfo
	seen := map[string]bool{}
	var walk func(t reflect.Type, prefix []int, depth int)
	// Outer fields shadow embedded ones with the same JSON name, as in encoding/json.
	walk = func(t reflect.Type, prefix []int, depth int) {
		var embedded []reflect.StructField
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct) {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				embedded = append(embedded, sf)
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			idx := append(append([]int{}, prefix...), i)
			out = append(out, fieldInfo{index: idx, name: ast.StringTerm(name), omitEmpty: strings.Contains(opts, "omitempty")})
		}
		for _, sf := range embedded {
			walk(sf.Type, append(append([]int{}, prefix...), sf.Index...), depth+1)
		}
	}
	walk(t, nil, 0)
	fieldCache.Store(t, out)
	return out
}

var (
	jsonNumberType = reflect.TypeFor[json.Number]()
	emptyArray     = ast.NewArray()
)

func valueOf(v reflect.Value) (ast.Value, error) {
	if !v.IsValid() {
		return ast.Null{}, nil
	}
	if v.Type() == jsonNumberType {
		return ast.Number(v.String()), nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		return valueOf(v.Elem())
	case reflect.String:
		return ast.String(v.String()), nil
	case reflect.Bool:
		return ast.Boolean(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.InternedValue(int(v.Int())), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.InternedValue(int(v.Uint())), nil
	case reflect.Float32, reflect.Float64:
		return ast.FloatNumberTerm(v.Float()).Value, nil
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if n == 0 {
			return emptyArray, nil
		}
		terms := make([]*ast.Term, n)
		for i := 0; i < n; i++ {
			x, err := valueOf(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = ast.NewTerm(x)
		}
		return ast.NewArray(terms...), nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("policy input: map key type %s is not string", v.Type().Key())
		}
		obj := ast.NewObject()
		iter := v.MapRange()
		for iter.Next() {
			x, err := valueOf(iter.Value())
			if err != nil {
				return nil, err
			}
			obj.Insert(ast.StringTerm(iter.Key().String()), ast.NewTerm(x))
		}
		return obj, nil
	case reflect.Struct:
		fields := fieldsOf(v.Type())
		obj := ast.NewObjectWithCapacity(len(fields))
		for _, f := range fields {
			fv := v.FieldByIndex(f.index)
			if f.omitEmpty && (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && fv.IsNil() {
				continue
			}
			x, err := valueOf(fv)
			if err != nil {
				return nil, err
			}
			obj.Insert(f.name, ast.NewTerm(x))
		}
		return obj, nil
	}
	return nil, fmt.Errorf("policy input: cannot convert %s", v.Type())
}

package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"massanzug/catalogue"
)

// UnknownFieldError names a key that is not a field of the target.
type UnknownFieldError struct{ Field string }

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("unknown field %q (field names are case-sensitive)", e.Field)
}

// CheckKeys refuses object keys that are not exactly a field's JSON name.
// encoding/json matches names case-insensitively, so without this "nAme"
// would silently set name: the contract promises unknown fields are refused.
func CheckKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil // a type error, which the decoder reports
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for k, val := range obj {
			ft, ok := fields[k]
			if !ok {
				return &UnknownFieldError{Field: join(path, k)}
			}
			if err := CheckKeys(val, ft, join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, el := range arr {
			if err := CheckKeys(el, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			collectFields(ft, into)
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = f.Type
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Decode strictly decodes one JSON object into v: unknown fields (also in
// another case), wrong types and trailing data are errors naming the field.
func Decode(data []byte, v any) []catalogue.FieldError {
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return []catalogue.FieldError{{Message: "malformed JSON: " + err.Error()}}
	}
	if err := CheckKeys(generic, reflect.TypeOf(v), ""); err != nil {
		var uf *UnknownFieldError
		errors.As(err, &uf)
		return []catalogue.FieldError{{Field: uf.Field, Message: "is not a field of this kind of entry"}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return []catalogue.FieldError{{Field: typ.Field, Message: fmt.Sprintf("must not be %s", typ.Value)}}
		}
		return []catalogue.FieldError{{Message: err.Error()}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return []catalogue.FieldError{{Message: "data after the JSON object"}}
	}
	return nil
}

// NUL finds a string holding the NUL character in a decoded JSON value and
// names its path: no text of the service may hold one (PostgreSQL's text
// cannot, and no person types it).
func NUL(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return join(path, k), true
			}
			if p, ok := NUL(e, join(path, k)); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := NUL(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"massanzug/catalogue"
)

// checkKeys refuses object keys that are not exactly a field's JSON name.
// encoding/json matches names case-insensitively, so without this "nAme"
// would silently set name: the contract promises unknown fields are refused.
func checkKeys(v any, t reflect.Type, path string) error {
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
				name := join(path, k)
				return newProblem(http.StatusBadRequest, "unknown-field", fmt.Sprintf("unknown field %q (field names are case-sensitive)", name),
					catalogue.FieldError{Field: name, Message: "is not a field of this resource"})
			}
			if err := checkKeys(val, ft, join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, el := range arr {
			if err := checkKeys(el, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
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

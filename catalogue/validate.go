package catalogue

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

var (
	hhmmRe  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`)
	phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ()/\-]{2,38}$`)
	slugRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]*$`)
)

// validate checks the shape of inputs: struct tags with JSON field names.
// Rules that need data (does this district exist?) live in the checks of
// each kind.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(tag string, fn func(string) bool) {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return fn(fl.Field().String()) }); err != nil {
			panic(err) // only on a programming error in the tag set-up
		}
	}
	must("hhmm", hhmmRe.MatchString)
	must("phone", phoneRe.MatchString)
	must("slug", slugRe.MatchString)
	must("iso6391", func(s string) bool { return iso6391[s] })
	must("date", func(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil })
	return v
}()

// checkShape runs the struct tags of v and returns the bad fields, named by
// their JSON path (e.g. "languages[1].code").
func checkShape(v any) *ValidationError {
	ve := &ValidationError{}
	err := validate.Struct(v)
	var errs validator.ValidationErrors
	if errors.As(err, &errs) {
		for _, fe := range errs {
			ve.add(jsonPath(fe.Namespace()), "%s", message(fe))
		}
	} else if err != nil {
		ve.add("", "%v", err)
	}
	return ve
}

// jsonPath drops the Go type name that the validator puts first and the
// names of embedded structs, which do not appear in JSON.
func jsonPath(ns string) string {
	_, rest, ok := strings.Cut(ns, ".")
	if !ok {
		return ns
	}
	parts := strings.Split(rest, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && p[0] >= 'A' && p[0] <= 'Z' { // embedded Go struct names
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

func message(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return fmt.Sprintf("must have at least %s item(s)", p)
		}
		return fmt.Sprintf("must be at least %s", p)
	case "max":
		switch fe.Kind() {
		case reflect.Slice:
			return fmt.Sprintf("must have at most %s items", p)
		case reflect.String:
			return fmt.Sprintf("must be at most %s characters long", p)
		}
		return fmt.Sprintf("must be at most %s", p)
	case "len":
		return fmt.Sprintf("must be exactly %s characters long", p)
	case "oneof":
		return fmt.Sprintf("must be one of: %s", strings.ReplaceAll(p, " ", ", "))
	case "email":
		return "must be an email address"
	case "http_url":
		return "must be an http(s) URL"
	case "numeric":
		return "must contain digits only"
	case "hhmm":
		return "must be a time of day as HH:MM"
	case "phone":
		return "must be a phone number (digits, spaces, + ( ) / -)"
	case "slug":
		return "must be lower-case letters, digits, '_' or '-'"
	case "iso6391":
		return fmt.Sprintf("%q is not an ISO 639-1 language code", fe.Value())
	case "date":
		return "must be a date as YYYY-MM-DD"
	}
	return fmt.Sprintf("is invalid (%s)", fe.Tag())
}

// CheckShape checks the struct tags of v (for inputs outside this package,
// such as case profiles) and returns the bad fields; add more with Add and
// return OrNil.
func CheckShape(v any) *ValidationError { return checkShape(v) }

// Add records a bad field.
func (e *ValidationError) Add(field, format string, args ...any) { e.add(field, format, args...) }

// OrNil returns the error if it holds any field, else nil.
func (e *ValidationError) OrNil() error { return e.orNil() }

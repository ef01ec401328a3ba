// Package catalogue is the domain of Maßanzug: districts, the taxonomy of
// help, providers and the three kinds of catalogue entries (volunteers,
// neighbourhood helps, offers), their lifecycle and who may see and change
// what. It owns the Store interface it needs; storage backends implement it.
//
// The catalogue never speaks HTTP. It returns its own errors (ErrNotFound,
// ErrConflict, ErrVersionMismatch, ErrForbidden, *ValidationError) and the
// api package maps them to responses.
package catalogue

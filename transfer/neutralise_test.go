package transfer

import "testing"

// TestCSVExportNeutralisesFormulas: cells a spreadsheet would run as a
// formula are written with a leading apostrophe; numbers stay numbers.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil","klick")`: `'=HYPERLINK("http://evil","klick")`,
		"+49 176 1234567":                   "'+49 176 1234567",
		"-2+3":                              "'-2+3",
		"@SUM(A1)":                          "'@SUM(A1)",
		"\tTab":                             "'\tTab",
		"\rCR":                              "'\rCR",
		"-3.5":                              "-3.5",
		"-Inf":                              "'-Inf",
		"Ayşe":                              "Ayşe",
		"":                                  "",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestSchemaGolden pins the generated schema, so that a change to types.go
// shows up as a reviewable diff of testdata/schema.golden.
func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	golden := filepath.Join("testdata", "schema.golden")
	got := Schema()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Schema() differs from %s; run go test ./internal/config -run SchemaGolden -update and review the diff", golden)
	}
}

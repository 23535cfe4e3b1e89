package timecoin

import (
	"os"
	"strings"
	"testing"
)

// The README shows the examples exactly as they are, so they run as written.
func TestReadmeShowsTheExamplesAsTheyAre(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"examples/subscribe/main.go", "examples/send/main.go"} {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
			t.Errorf("README.md does not show %s as it is", path)
		}
	}
}

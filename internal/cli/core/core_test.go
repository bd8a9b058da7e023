package core

import "testing"

func TestLocal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"openclaw", "--version"}, true},
		{[]string{"openclaw", "-V"}, true},
		{[]string{"openclaw", "version"}, true},
		{[]string{"openclaw", "config"}, true},
		{[]string{"openclaw", "config", "get", "gateway.port"}, true},
		{[]string{"openclaw", "--no-color", "config", "set", "gateway.bind", "lan"}, true},
		{[]string{"openclaw"}, false},
		{[]string{}, false},
		{[]string{"openclaw", "--help"}, false},
		{[]string{"openclaw", "help", "config"}, false},
		{[]string{"openclaw", "gateway"}, false},
		{[]string{"openclaw", "--version", "extra"}, false},
		{[]string{"openclaw", "sessions", "config"}, false},
	} {
		if got := Local(tc.args); got != tc.want {
			t.Errorf("Local(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

package imagefetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func imageServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/cat.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG fake"))
	})
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>"))
	})
	mux.HandleFunc("/huge.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		chunk := make([]byte, 1<<20)
		for i := 0; i < 11; i++ {
			w.Write(chunk)
		}
	})
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		if n == "0" {
			http.Redirect(w, r, "/cat.png", http.StatusFound)
			return
		}
		next := map[string]string{"1": "0", "2": "1", "3": "2", "4": "3"}[n]
		http.Redirect(w, r, "/hop/"+next, http.StatusFound)
	})
	mux.HandleFunc("/missing.png", http.NotFound)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestLoopbackAndPrivateAddressesAreRefused(t *testing.T) {
	srv := imageServer(t)
	_, err := New(false).DataURL(context.Background(), srv.URL+"/cat.png")
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("fetch from loopback: %v, want ErrBlockedAddress", err)
	}
	for _, a := range []string{"10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.100.1.1", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "0.0.0.0"} {
		if public(netip.MustParseAddr(a)) {
			t.Errorf("%s counted as public", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "2606:4700::1111"} {
		if !public(netip.MustParseAddr(a)) {
			t.Errorf("%s counted as private", a)
		}
	}
}

func TestFetchRules(t *testing.T) {
	srv := imageServer(t)
	f := New(true) // the test server is on loopback
	ctx := context.Background()
	got, err := f.DataURL(ctx, srv.URL+"/cat.png")
	if err != nil || got != "data:image/png;base64,iVBORyBmYWtl" {
		t.Fatalf("png: %q %v", got, err)
	}
	if got, err := f.DataURL(ctx, srv.URL+"/hop/2"); err != nil || !strings.HasPrefix(got, "data:image/png;base64,") {
		t.Fatalf("3 redirects: %q %v", got, err)
	}
	for path, want := range map[string]string{
		"/hop/3":       "redirects",
		"/page.html":   "not an accepted image type",
		"/huge.png":    "larger than 10 MB",
		"/missing.png": "HTTP 404",
	} {
		if _, err := f.DataURL(ctx, srv.URL+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if _, err := f.DataURL(ctx, "file:///etc/passwd"); err == nil {
		t.Error("file URL fetched")
	}
}

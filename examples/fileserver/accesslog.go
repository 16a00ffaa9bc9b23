package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gocred/gocred/httpauth"
)

// accessLog logs one line per HTTP request: method, path, status, the
// authentication scheme used (see authScheme; never the credentials) and
// who logged in. The portal's observer logs the login itself, with its
// outcome; this line says what was done with it.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		entry := &accessEntry{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), accessKey{}, entry)))
		log.Info("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"scheme", authScheme(r.Header.Get("Authorization")), "user", entry.user, "remote", r.RemoteAddr, "duration", time.Since(start))
	})
}

// authScheme names the scheme of an Authorization header for the log:
// Basic or Digest, "" for none, and "other" for anything else. Only a
// known name is logged, since a malformed header's first word can be the
// credentials themselves ("Basic\tYWxp...", a bare token).
func authScheme(header string) string {
	if header == "" {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimLeft(header, " \t"), " ")
	for _, known := range []string{"Basic", "Digest"} {
		if strings.EqualFold(first, known) {
			return known
		}
	}
	return "other"
}

// serveAvatar serves a request with the avatar the realm gave the logged-in
// user (their view of the folder), noting who it is for the access log.
// The HTTP side only reads: GET and HEAD are served, OPTIONS says so, and
// any other method gets 405.
var serveAvatar = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if id, ok := httpauth.AvatarIDFrom(r.Context()); ok {
		if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
			e.user = id.Name()
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed: the files are read-only over HTTP (use FTP to write)", http.StatusMethodNotAllowed)
		return
	}
	files, ok := httpauth.AvatarAs[http.Handler](r.Context())
	if !ok {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	files.ServeHTTP(w, r)
})

type accessKey struct{}

type accessEntry struct{ user string }

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

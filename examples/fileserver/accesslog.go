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
// authentication scheme used (the header's first word, never the rest) and
// who logged in. The portal's observer logs the login itself, with its
// outcome; this line says what was done with it.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		entry := &accessEntry{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), accessKey{}, entry)))
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		log.Info("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"scheme", scheme, "user", entry.user, "remote", r.RemoteAddr, "duration", time.Since(start))
	})
}

// serveAvatar serves a request with the avatar the realm gave the logged-in
// user (their view of the folder), noting who it is for the access log.
var serveAvatar = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if id, ok := httpauth.AvatarIDFrom(r.Context()); ok {
		if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
			e.user = id.Name()
		}
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

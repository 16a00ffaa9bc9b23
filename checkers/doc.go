// Package checkers holds gocred's credential checkers (in-memory stores,
// Apache htpasswd and htdigest files, anonymous) and decorators that wrap any
// checker (verification cache, concurrency limit, throttle, chain).
package checkers

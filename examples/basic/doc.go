// Basic is the first program of the Twisted cred blog post, in Go: a web
// page protected by HTTP Basic authentication, built from cred's four words.
//
//   - Credentials: what the browser sends. Basic sends a user name and a
//     password, which the httpauth package turns into cred.UsernamePassword.
//   - Checker: passwordDict below, a dictionary of users. It declares that it
//     understands cred.UsernamePassword and turns a right password into an
//     avatar ID (who logged in), or refuses.
//   - Realm: turns that avatar ID into the thing the user gets, here the same
//     page for everyone (realms.NewStaticOf).
//   - Portal: holds the realm and the checkers and routes credentials from
//     the protocol (httpauth's middleware) to the checker that handles them.
//
// Run it and try it:
//
//	go run ./examples/basic
//	curl -u alice:wonderland http://127.0.0.1:8081/example/foo
//
// Any of the three users in the dictionary gets the same page, which echoes
// the last part of the path. A wrong password gets 401 and a new challenge.
//
// Usage:
//
//	basic [-addr 127.0.0.1:8081]
package main

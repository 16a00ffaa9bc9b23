// Digest is the second half of the Twisted cred blog post, in Go: the same
// password dictionary and page as examples/basic, behind HTTP Digest
// authentication, where the browser proves it knows the password without
// sending it.
//
// The four words again:
//
//   - Credentials: a Digest response is not a password. httpauth turns it into
//     credentials implementing cred.UsernameHashedPassword: the checker
//     supplies the plaintext it knows, and the credentials check the client's
//     proof against it (CheckPassword). Basic credentials implement that
//     interface too.
//   - Checker: hashedPasswordDict declares cred.UsernameHashedPassword as well
//     as cred.UsernamePassword, so it serves Basic and Digest alike.
//   - Realm: the same page for everyone.
//   - Portal: routes each kind of credentials to a checker that declared it.
//
// The classic mistake, kept here on purpose: in Twisted, putting a checker that
// declares only plaintext passwords (IUsernamePassword) behind Digest gave a
// server that answered 401 to every password, silently. Here the portal knows
// at startup that no checker handles Digest credentials, and the program
// refuses to start, saying why:
//
//	go run ./examples/digest -plaintext-only-checker
//
// Run it correctly and try it:
//
//	go run ./examples/digest
//	curl --digest -u alice:wonderland http://127.0.0.1:8081/example/foo
//	curl --basic  -u alice:wonderland http://127.0.0.1:8081/example/foo
//
// Usage:
//
//	digest [-addr 127.0.0.1:8081] [-plaintext-only-checker]
package main

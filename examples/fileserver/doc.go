// Fileserver serves one folder over HTTP and FTP to the users of one
// password store: every login, whatever the protocol, goes through one
// cred.Portal. It is the point of Twisted's cred: check passwords once, in one
// place, for every protocol.
//
// Usage:
//
//	go run ./examples/fileserver [-http 127.0.0.1:8080] [-ftp 127.0.0.1:2121]
//	    [-root DIR] [-htpasswd FILE] [-htdigest FILE] [-realm NAME] [-anonymous]
//
// How the four words fit together here:
//
//   - Credentials: HTTP Basic and FTP USER/PASS give a user name and password
//     (cred.UsernamePassword); HTTP Digest gives a proof of the password
//     (cred.UsernameHashedPassword, cred.UsernameDigestHash).
//   - Checkers: an Apache htpasswd file (-htpasswd; bcrypt, apr1, SHA-1,
//     SHA-256/512-crypt: any format Apache's htpasswd writes but -d's DES
//     and -p's plaintext, which are refused at start) checks passwords;
//     an htdigest file (-htdigest) holds HA1 hashes for -realm and checks both
//     Digest proofs and passwords. Both may be given (a user in both logs
//     in with either file's password, htpasswd's tried first). They are
//     wrapped, in
//     this order, by a concurrency limit (slow hashes cannot take every CPU), a
//     verification cache (a client that resends the same password pays for
//     bcrypt once) and one throttle (failed logins count per user and address,
//     across HTTP and FTP together). With neither file, a built-in demo store
//     of plaintext passwords (alice/wonderland, bob/builder) is used.
//   - Realm: realms.NewDirectory over -root, opened as a realms.RootFs: no
//     name, and no symbolic link the host put there, leads outside it
//     (links with absolute targets are not followed at all; hard links are
//     the files themselves), and named pipes and devices in it are
//     refused. -root is opened once, at start: a directory moved into its
//     place later is not seen until a restart. Users share the folder,
//     read and write; with -anonymous, FTP user "anonymous" gets it
//     read-only.
//   - Portal: one for both protocols, logging every login (user, remote
//     address, outcome; never a password).
//
// HTTP offers Digest (when the store can verify it: an htpasswd file's one-way
// hashes cannot, so with only -htpasswd it offers Basic alone, and says so)
// and Basic challenges. Browsers answer Digest when it is offered, so with both
// files, users missing from the htdigest file log in over Basic or FTP only. FTP reads and writes; a file uploaded
// over FTP is served over HTTP at once. An empty -http or -ftp turns that
// protocol off. Without -root, a copy of the small demo folder embedded in the
// program is served from a temporary directory, removed at exit.
//
// The program refuses to start, with a message naming the flag, file and line,
// on a bad flag, a missing or unreadable file, or a user file line it cannot
// use. SIGINT, SIGTERM or SIGHUP (unless started under nohup) stops it: no
// new connections, transfers in flight finish, exit status 0; a second
// signal ends it at once.
//
// FTP's passive data ports are opened on every address of the host
// (ftpserverlib's choice, whatever -ftp says): a data connection that
// reaches another address than -ftp's is closed at once and never becomes
// a transfer, but the ports can be seen from outside while they wait; a
// firewall keeps them in if that matters.
//
// Try it:
//
//	go run ./examples/fileserver
//	curl -u alice:wonderland http://127.0.0.1:8080/hello.txt
//	curl --digest -u alice:wonderland http://127.0.0.1:8080/hello.txt
//	curl -T notes.txt ftp://alice:wonderland@127.0.0.1:2121/
//	curl -u alice:wonderland http://127.0.0.1:8080/notes.txt
package main

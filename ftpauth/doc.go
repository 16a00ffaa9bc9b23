// Package ftpauth serves FTP (and explicit FTPS) with logins checked by a
// cred.Portal: the same checkers that guard HTTP guard FTP, so a user's
// failed logins count together across both.
//
// The Driver is an ftpserverlib main driver. USER/PASS become
// cred.UsernamePassword credentials (or cred.AnonymousCredentials for the
// configured anonymous names, when Options.Anonymous is on), with a
// cred.Mind of protocol "ftp", the client's address and whether the
// control connection is under TLS. The portal's realm is asked for an
// afero.Fs, which the session then serves; anonymous sessions get it
// read-only. The realm's logout runs once, when the session ends: when the
// client disconnects or, if a transfer is still using the avatar's files
// then, when it has closed them (Options.IdleTimeout later at most).
//
// Every refused login is answered 530 and the connection closed (that is
// ftpserverlib's way); the text tells the outcomes apart without internal
// detail: "Login incorrect." for a wrong password or unknown user, "Too
// many failed logins; try again later." when a throttle locks the user out,
// "Login not allowed for this account." when the realm refuses, and
// "Service temporarily unavailable." for a broken store or a
// misconfiguration, which is logged in full on the server. Passwords are
// never logged.
//
// NewDriver fails at construction, with the portal's descriptive error,
// when no checker handles the credentials FTP produces.
//
// A client that sends USER again is logged out at once; its old avatar
// refuses everything until the next PASS.
//
// Transfers use passive mode (PASV/EPSV) only: active mode (PORT) invites
// bounce attacks and is refused. When the server listens on one address,
// data connections that reach another are refused (ftpserverlib listens
// for them on every address). An upload that replaces a file (STOR)
// truncates it only when its first bytes arrive: a STOR whose data
// connection never comes, or that fails before any data, leaves the old
// file as it was. Files are written in place (links, owner and mode stay),
// so one cut off midway holds what arrived. Shutdown lets transfers in flight finish,
// then ends each session with a 421 reply; Server.Shutdown does that and
// ftpserverlib's Stop. A Driver handed to ftpserverlib directly needs both
// calls: FtpServer.Stop, then Driver.Shutdown.
//
// # Shortest use
//
//	portal, err := cred.NewPortal(realm, checker) // realm answers afero.Fs
//	if err != nil { ... }
//	srv, err := ftpauth.NewServer(portal, ftpauth.Options{Addr: "127.0.0.1:2121"})
//	if err != nil { ... }
//	go srv.ListenAndServe()
//	...
//	err = srv.Shutdown(ctx) // waits for transfers in flight, then closes sessions
package ftpauth

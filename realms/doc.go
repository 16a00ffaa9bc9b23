// Package realms holds gocred's realms: the part of cred that turns an
// authenticated avatar ID into what a protocol serves.
//
//   - Static gives everyone the same avatar (NewStaticOf[http.Handler](h)).
//   - For turns a typed function into a realm for one avatar interface.
//   - Directory serves files from an afero.Fs, one jail per user or one
//     shared root, as an afero.Fs (for FTP) or an http.Handler (for HTTP),
//     read-only where configured and always for anonymous.
//   - RootFs is an afero.Fs of one host directory that no name or link
//     leads out of (os.Root), for Directory to serve.
//
// # Shortest use
//
//	files, err := realms.NewRootFs("/srv/files") // no link leads outside
//	if err != nil { ... }
//	realm, err := realms.NewDirectory(files, realms.DirectoryOptions{PerUser: true})
//	if err != nil { ... }
//	portal, err := cred.NewPortal(realm, checker)
//	if err != nil { ... }
//	fsys, session, err := cred.Login[afero.Fs](ctx, portal, creds, mind)
//	if err != nil { ... }
//	defer session.Logout()
package realms

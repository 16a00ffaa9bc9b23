package cred

import "strconv"

type avatarKind uint8

const (
	kindNone avatarKind = iota // the zero value: no one
	kindUser
	kindAnonymous
)

// AvatarID names who logged in. It is either a user (UserID) or the anonymous
// identity (AnonymousID), and the two can never be confused: a user literally
// named "anonymous" is UserID("anonymous"), which is not AnonymousID. The zero
// AvatarID is neither, and the Portal refuses to hand it to a realm, so a bug
// that returns a zero value cannot log anyone in.
type AvatarID struct {
	name string
	kind avatarKind
}

// AnonymousID is the avatar ID of an anonymous login.
var AnonymousID = AvatarID{kind: kindAnonymous}

// UserID returns the avatar ID of the named user. An empty name yields the
// zero AvatarID, which is not a valid login.
func UserID(name string) AvatarID {
	if name == "" {
		return AvatarID{}
	}
	return AvatarID{name: name, kind: kindUser}
}

// Name returns the user name; it is empty for AnonymousID and the zero value.
func (a AvatarID) Name() string { return a.name }

// IsAnonymous reports whether a is AnonymousID.
func (a AvatarID) IsAnonymous() bool { return a.kind == kindAnonymous }

// IsUser reports whether a names a user.
func (a AvatarID) IsUser() bool { return a.kind == kindUser }

// IsZero reports whether a is the zero AvatarID, which names no one.
func (a AvatarID) IsZero() bool { return a.kind == kindNone }

// String returns "user \"name\"", "anonymous" or "<none>"; the forms differ so
// logs cannot confuse them.
func (a AvatarID) String() string {
	switch a.kind {
	case kindUser:
		return "user " + quoteName(a.name)
	case kindAnonymous:
		return "anonymous"
	default:
		return "<none>"
	}
}

// quoteName quotes a client-supplied name for logs and error texts, so control
// characters cannot forge log lines.
func quoteName(s string) string { return strconv.Quote(s) }

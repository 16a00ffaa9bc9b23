package realms

import (
	"errors"
	"reflect"
	"strings"
)

// ErrUnsupportedInterface is matched (with errors.Is) by the error a realm
// returns when it serves none of the avatar interfaces it was asked for: a
// wiring mistake between a protocol and its realm, not a refused login.
var ErrUnsupportedInterface = errors.New("realms: no asked avatar interface is served")

// UnsupportedInterfaceError says which avatar interfaces were asked for and
// which the realm serves, so the mistake can be fixed from the log line.
type UnsupportedInterfaceError struct {
	Realm  string         // which realm answered, e.g. "realms.Static"
	Asked  []reflect.Type // what the protocol asked for
	Served []reflect.Type // what the realm can return
}

// Error names the realm, the asked interfaces and the served ones.
func (e *UnsupportedInterfaceError) Error() string {
	var b strings.Builder
	b.WriteString("realms: ")
	b.WriteString(e.Realm)
	b.WriteString(" serves ")
	writeTypes(&b, e.Served)
	b.WriteString(" but was asked for ")
	writeTypes(&b, e.Asked)
	return b.String()
}

// Is reports whether target is ErrUnsupportedInterface.
func (e *UnsupportedInterfaceError) Is(target error) bool { return target == ErrUnsupportedInterface }

func writeTypes(b *strings.Builder, ts []reflect.Type) {
	if len(ts) == 0 {
		b.WriteString("nothing")
		return
	}
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		if t == nil {
			b.WriteString("<nil>")
			continue
		}
		b.WriteString(t.String())
	}
}

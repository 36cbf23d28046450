package access

import "github.com/gatehouse/gatehouse/db"

// ViaPage is an Actor's Via when an owner acts through the dashboard's pages.
const ViaPage = "page"

// Actor is who asks for a change and from where: the audit lines of the change
// are built from it. An API token acts for the owner who made it, and the log
// names the token, so owners can tell a script's changes from their own.
type Actor struct {
	OwnerID   int64
	OwnerName string // the signed-in owner's name; empty for a token
	IP        string // the client's address, as the server reads it
	Via       string // ViaPage, or ViaToken(name)
}

// ViaToken is an Actor's Via for an API token: "API token NAME".
func ViaToken(name string) string { return "API token " + name }

// PageActor is an owner acting through the pages.
func PageActor(o db.Owner, ip string) Actor {
	return Actor{OwnerID: o.ID, OwnerName: o.Name, IP: ip, Via: ViaPage}
}

// TokenActor is an API token acting for the owner who made it.
func TokenActor(ownerID int64, token, ip string) Actor {
	return Actor{OwnerID: ownerID, IP: ip, Via: ViaToken(token)}
}

// name is who the audit log says acted: the owner on a page, the token on the API.
func (a Actor) name() string {
	if a.Via == ViaPage || a.Via == "" {
		return a.OwnerName
	}
	return a.Via
}

// line is an audit entry for a change this actor makes, for the store to write
// in the change's own transaction. The detail must never hold a secret (a
// code, token or passphrase).
func (a Actor) line(action, detail string) db.AuditEntry {
	return db.AuditEntry{OwnerID: a.OwnerID, Actor: a.name(), Action: action, IP: a.IP, Detail: detail}
}

// Package paths builds every URL of the app, for handlers and views alike, so a
// route's shape is spelt in two places only: here and in web/routes.go (web's
// TestPathsHaveRoutes checks each path built here against a registered route).
// It imports nothing of Gatehouse's, so views can import it.
package paths

import (
	"net/url"
	"strconv"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

// withQuery adds q to a path; an empty q adds nothing.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Done is path with the ?done= word the page turns into a flash message.
func Done(path, done string) string { return path + "?done=" + url.QueryEscape(done) }

// Public.

func Home() string         { return "/" }
func SignIn() string       { return "/signin" }
func SignedOut() string    { return "/signin?signed-out=1" }
func SignInBegin() string  { return "/signin/begin" }
func SignInFinish() string { return "/signin/finish" }

// Enroll is an invite link. Tokens are base64url, so they need no escaping.
func Enroll(token string) string       { return "/enroll/" + token }
func EnrollBegin(token string) string  { return Enroll(token) + "/begin" }
func EnrollFinish(token string) string { return Enroll(token) + "/finish" }
func OpenAPI() string                  { return "/api/v1/openapi.json" }

// Share is a guest's link. The token is base64url, so it needs no escaping.
func Share(token string) string { return "/s/" + token }

// Signed-in owner.

func SignOut() string      { return "/signout" }
func ReauthBegin() string  { return "/reauth/begin" }
func ReauthFinish() string { return "/reauth/finish" }

func Locks() string                 { return "/locks" }
func AddSimLock() string            { return "/locks/sim" }
func Lock(lockID int64) string      { return "/locks/" + id(lockID) }
func LockLive(lockID int64) string  { return Lock(lockID) + "/live" }
func LockSaved(lockID int64) string { return Lock(lockID) + "?saved=1" }
func LockSettings(lockID int64) string {
	return Lock(lockID) + "/settings"
}
func LockCodes(lockID int64) string { return Lock(lockID) + "/codes" }
func CodeRevoke(lockID, codeID int64) string {
	return LockCodes(lockID) + "/" + id(codeID) + "/revoke"
}
func CodeRetry(lockID, codeID int64) string {
	return LockCodes(lockID) + "/" + id(codeID) + "/retry"
}
func UnmanagedRemove(lockID, codeID int64) string {
	return Lock(lockID) + "/unmanaged/" + id(codeID) + "/remove"
}
func SimKeypad(lockID int64) string { return Lock(lockID) + "/sim/keypad" }

// SimAction is a simulated lock's switch: offline, online, battery or lock.
func SimAction(lockID int64, action string) string {
	return Lock(lockID) + "/sim/" + url.PathEscape(action)
}

func Guests() string             { return "/guests" }
func Guest(guestID int64) string { return "/guests/" + id(guestID) }

// GuestAccess is an access's card on its guest's page, with the ?done= word
// of what just happened to it.
func GuestAccess(guestID, accessID int64, done string) string {
	return Done(Guest(guestID), done) + AccessAnchor(accessID)
}

// GuestConfirm asks, on the guest's page, for a passkey before an access's
// code is shown.
func GuestConfirm(guestID, accessID int64) string {
	return Guest(guestID) + "?confirm=" + id(accessID) + AccessAnchor(accessID)
}

// AccessAnchor is the fragment of an access's card on its guest's page.
func AccessAnchor(accessID int64) string { return "#access-" + id(accessID) }

func AccessNew() string                      { return "/access/new" }
func AccessNewForGuest(guestID int64) string { return AccessNew() + "?guest=" + id(guestID) }
func AccessNewForLock(lockID int64) string   { return AccessNew() + "?lock=" + id(lockID) }
func AccessCreate() string                   { return "/access" }
func Access(accessID int64) string           { return "/access/" + id(accessID) }
func AccessCreated(accessID int64) string    { return Access(accessID) + "/created" }
func AccessLink(accessID int64) string       { return Access(accessID) + "/link" }
func AccessRevoke(accessID int64) string     { return Access(accessID) + "/revoke" }
func AccessRotate(accessID int64) string     { return Access(accessID) + "/rotate" }
func AccessWindow(accessID int64) string     { return Access(accessID) + "/window" }
func AccessCode(accessID int64) string       { return Access(accessID) + "/code" }

// The timeline's pages take the filters as a query (web's timelineParams).

func Timeline(q url.Values) string         { return withQuery("/timeline", q) }
func TimelineMore(q url.Values) string     { return withQuery("/timeline/more", q) }
func TimelineNew(q url.Values) string      { return withQuery("/timeline/new", q) }
func TimelinePictures(q url.Values) string { return withQuery("/timeline/pictures", q) }
func TimelineCSV(q url.Values) string      { return withQuery("/timeline.csv", q) }

// TimelineAnomalies is the timeline filtered to anomalies.
func TimelineAnomalies() string { return Timeline(url.Values{"anomalies": {"1"}}) }

func Settings() string                  { return "/settings" }
func Passkeys() string                  { return "/settings/passkeys" }
func PasskeyAddBegin() string           { return Passkeys() + "/add/begin" }
func PasskeyAddFinish() string          { return Passkeys() + "/add/finish" }
func PasskeyRename(credID int64) string { return Passkeys() + "/" + id(credID) + "/rename" }
func PasskeyDelete(credID int64) string { return Passkeys() + "/" + id(credID) + "/delete" }
func Owners() string                    { return "/settings/owners" }
func OwnerInvite() string               { return Owners() + "/invite" }
func OwnerDelete(ownerID int64) string  { return Owners() + "/" + id(ownerID) + "/delete" }
func OwnerApprove(ownerID int64) string { return Owners() + "/" + id(ownerID) + "/approve" }
func OwnerRole(ownerID int64) string    { return Owners() + "/" + id(ownerID) + "/role" }

// ChangeAck acknowledges one change on an admin's home; ChangesAck all shown.
func ChangeAck(auditID int64) string { return "/changes/" + id(auditID) + "/ack" }
func ChangesAck() string             { return "/changes/ack" }
func Connections() string            { return "/settings/connections" }
func ConnectionSeam() string         { return Connections() + "/seam" }
func ConnectionDelete(connID int64) string {
	return Connections() + "/" + id(connID) + "/delete"
}
func Sessions() string                     { return "/settings/sessions" }
func SessionDelete(sessionID int64) string { return Sessions() + "/" + id(sessionID) + "/delete" }
func SessionsDeleteOthers() string         { return Sessions() + "/delete-others" }
func Activity() string                     { return "/settings/activity" }

// ActivityBefore is the audit list's next page: entries older than entryID.
func ActivityBefore(entryID int64) string { return Activity() + "?before=" + id(entryID) }

func APITokens() string                   { return "/settings/api-tokens" }
func APITokenRevoke(tokenID int64) string { return APITokens() + "/" + id(tokenID) + "/revoke" }
func APITokenEnable(tokenID int64) string { return APITokens() + "/" + id(tokenID) + "/enable" }

// LinkResume lets a share link a restore paused reveal again.
func LinkResume(linkID int64) string { return "/links/" + id(linkID) + "/resume" }

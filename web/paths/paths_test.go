package paths

import (
	"net/url"
	"testing"
)

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Lock(7), "/locks/7"},
		{LockSaved(7), "/locks/7?saved=1"},
		{CodeRevoke(7, 12), "/locks/7/codes/12/revoke"},
		{UnmanagedRemove(7, 3), "/locks/7/unmanaged/3/remove"},
		{SimAction(7, "offline"), "/locks/7/sim/offline"},
		{Guest(4), "/guests/4"},
		{GuestAccess(4, 9, "revoked"), "/guests/4?done=revoked#access-9"},
		{GuestConfirm(4, 9), "/guests/4?confirm=9#access-9"},
		{AccessCreated(9), "/access/9/created"},
		{AccessNewForGuest(4), "/access/new?guest=4"},
		{AccessCode(9) + AccessAnchor(9), "/access/9/code#access-9"},
		{Share("abc_-XYZ"), "/s/abc_-XYZ"},
		{EnrollBegin("tok"), "/enroll/tok/begin"},
		{Done(Passkeys(), "a b&c"), "/settings/passkeys?done=a+b%26c"},
		{ActivityBefore(40), "/settings/activity?before=40"},
		{Timeline(nil), "/timeline"},
		{Timeline(url.Values{"lock": {"2"}, "kind": {"denied"}}), "/timeline?kind=denied&lock=2"},
		{TimelineMore(url.Values{"before": {"x y"}}), "/timeline/more?before=x+y"},
		{TimelineCSV(url.Values{}), "/timeline.csv"},
		{TimelineAnomalies(), "/timeline?anomalies=1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

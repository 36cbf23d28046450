// Package domain is Gatehouse's shared vocabulary and rules: event kinds and
// unlock methods, stored code statuses, anomaly kinds and their thresholds, PIN
// rules, time zones and access windows. It is the bottom of the import graph
// (standard library only), so db, lock, its drivers, web and views all spell
// these things one way, and each rule is written once.
package domain

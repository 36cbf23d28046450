#!/usr/bin/env bash
# Refetches the vendored front-end libraries from npm into static/vendor/.
#
# Each package is pinned to an exact version. Its tarball is fetched with `npm pack`
# (through npm's configured registry) and checked against the integrity string the
# registry publishes for that version, before the few files we serve are copied out.
# Vendoring, rather than a front-end build, keeps the Go binary self-contained and the
# exact bytes we ship reviewable in git.
#
# To upgrade: change a version below (`npm view NAME versions` lists them), run this
# script, and review the diff of static/vendor/.
#
# Usage: static/fetch-vendor.sh   (from anywhere; needs npm, node and tar)
set -euo pipefail

static_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sri_sha512 FILE prints FILE's integrity in npm's format: "sha512-" + base64 digest.
# Node is used because npm already needs it, so no other tool is assumed.
sri_sha512() {
	node -e '
		const fs = require("fs"), crypto = require("crypto");
		const digest = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64");
		process.stdout.write("sha512-" + digest);
	' "$1"
}

# vendor NAME VERSION DEST SRC:DST...
# fetches NAME@VERSION, verifies it, and replaces static/vendor/DEST with the listed
# files (SRC is a path inside the package, DST the file name under DEST) plus a VERSION
# file recording what was fetched.
vendor() {
	local name=$1 version=$2 dest=$3
	shift 3

	local want got tarball
	want=$(npm view "$name@$version" dist.integrity)
	if [[ $want != sha512-* ]]; then
		echo "fetch-vendor: $name@$version: expected a sha512 integrity, got '$want'" >&2
		exit 1
	fi

	mkdir -p "$work/$name"
	tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work/$name" "$name@$version")
	tarball="$work/$name/$tarball"
	got=$(sri_sha512 "$tarball")
	if [[ $got != "$want" ]]; then
		echo "fetch-vendor: $name@$version: integrity mismatch" >&2
		echo "  registry says: $want" >&2
		echo "  tarball has:   $got" >&2
		exit 1
	fi

	# Build the new directory beside the old one, then swap, so a failure part-way
	# leaves the previous vendored copy untouched and no stale file survives an upgrade.
	local stage="$static_dir/vendor/.$dest.new"
	rm -rf "$stage"
	mkdir -p "$stage" "$work/$name/x"
	local pair src dst
	for pair in "$@"; do
		src=${pair%%:*}
		dst=${pair#*:}
		tar -xzf "$tarball" -C "$work/$name/x" "package/$src"
		install -m 0644 "$work/$name/x/package/$src" "$stage/$dst"
	done
	printf 'name=%s\nversion=%s\nintegrity=%s\n' "$name" "$version" "$want" >"$stage/VERSION"

	rm -rf "${static_dir:?}/vendor/$dest"
	mv "$stage" "$static_dir/vendor/$dest"
	echo "fetch-vendor: $name@$version -> static/vendor/$dest"
}

# htmx 2.x: the stable line that the templ docs target.
vendor htmx.org 2.0.11 htmx \
	dist/htmx.min.js:htmx.min.js \
	LICENSE:LICENSE

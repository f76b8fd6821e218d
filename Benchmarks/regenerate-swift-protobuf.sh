#!/usr/bin/env bash
# Regenerates Sources/SwiftProtobufPeer: apple/swift-protobuf 1.39.0 code for proto/chibo/v1, the
# third peer of the codec benchmarks. The output is committed so the benchmarks build without the
# plugin; run this by hand after a schema change.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift 1.39.0. Without a plugin on PATH
# or in PROTOC_GEN_SWIFT, it clones swift-protobuf at tag 1.39.0 into a temporary folder and
# builds the plugin there (a release build takes a few minutes):
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf "$tmp/swift-protobuf"
#   swift build -c release --product protoc-gen-swift --package-path "$tmp/swift-protobuf"
# Usage: Benchmarks/regenerate-swift-protobuf.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
version=1.39.0

command -v protoc >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$plugin" ]; then
  git clone --quiet --branch "$version" https://github.com/apple/swift-protobuf "$tmp/swift-protobuf"
  swift build -c release --product protoc-gen-swift --package-path "$tmp/swift-protobuf"
  plugin="$tmp/swift-protobuf/.build/release/protoc-gen-swift"
fi
found=$("$plugin" --version)
case "$found" in
  *"$version"*) ;;
  *) echo "protoc-gen-swift is $found; the benchmarks pin swift-protobuf $version" >&2; exit 1 ;;
esac

out="$here/Sources/SwiftProtobufPeer"
rm -f "$out"/*.pb.swift
mkdir -p "$out"
(cd "$root/proto" && protoc \
  --plugin=protoc-gen-swift="$plugin" \
  --swift_out="$out" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=DropPath \
  chibo/v1/*.proto)
echo "regenerated $(ls "$out"/*.pb.swift | wc -l) files in Sources/SwiftProtobufPeer"

#!/usr/bin/env bash
# Installs eddy from BUILD_DIR into a scratch prefix, builds examples/hello as an outside project
# with find_package(eddy), runs it, and checks its output.
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S "$source_dir/tests/install_consumer" -B "$scratch/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DHELLO_SOURCE="$source_dir/examples/hello/hello.cc" \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$scratch/build" >/dev/null
output=$("$scratch/build/hello_consumer" | sort)
expected=$'member 0: sum of squares = 30\nmember 1: sum of squares = 30\nmember 2: sum of squares = 30'
if [ "$output" != "$expected" ]; then
  echo "unexpected output from the installed package's hello:"
  echo "$output"
  exit 1
fi
echo "installed package found and used: hello printed the expected sums"

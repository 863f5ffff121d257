#!/bin/bash
# A measurement spike, not part of luna: builds Debian's aria2 1.36 with two constants turned
# into environment variables, so that cluster-sim can show what they cost in a boot storm
# (docs/benchmarks.md, "Boot storm: fifth pass"):
#   A2X_REFRESH_MS  aria2c's pass over its idle commands (1000 ms in aria2c): a connection with
#                   no traffic sends its HAVEs, and a new one is taken in, only at that pass
#   A2X_UNCHOKE     regular unchoke slots of a downloading aria2c (3, plus one optimistic)
# Unset, the binary behaves as Debian's (same source; Debian's configure line without libaria2).
# Needs a deb-src line for Debian's main archive in
# the apt sources (the source comes from Debian's apt, nothing else is downloaded), about
# 5-8 minutes on two cores, and root for build-dep.
#
#   sudo scripts/aria2c-spike/build.sh /tmp/a2x        # the binary lands in /tmp/a2x/bin/aria2c
#   sudo bun scripts/cluster-sim.ts --nodes 16 --size 5 --node-mbit 3 --head-mbit 3 \
#     --piece-kb 16 --node-env '{"PATH":"/tmp/a2x/bin:/usr/bin:/bin","A2X_REFRESH_MS":"100"}'
set -euo pipefail
out=${1:?usage: build.sh OUTPUT_DIR (the binary goes to OUTPUT_DIR/bin/aria2c)}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/src" "$out/bin"
cd "$out/src"
if ! apt-get source --download-only aria2 >/dev/null 2>&1; then
  echo "build.sh: apt-get source aria2 failed: add a deb-src line for Debian's main archive" >&2
  echo "  (a copy of /etc/apt/sources.list.d/debian.sources with 'Types: deb-src'), then apt-get update" >&2
  exit 1
fi
apt-get build-dep -y -q aria2 >/dev/null
# Debian's source package (its debian/ carries no patches for 1.36.0), unpacked as Debian does.
dscs=(aria2_*.dsc)
dsc=${dscs[-1]}
rm -rf aria2-src
dpkg-source -x "$dsc" aria2-src >/dev/null
cd aria2-src
patch -p1 <"$here/refresh-unchoke.patch" || { echo "build.sh: the patch is for aria2 1.36.0 (Debian 12)" >&2; exit 1; }
echo "build.sh: configuring and compiling aria2 (several minutes)" >&2
./configure --with-gnutls --without-openssl --disable-nls \
  --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt CXXFLAGS="-O2 -g0" CFLAGS="-O2 -g0" >configure.log 2>&1 ||
  { tail -20 configure.log >&2; exit 1; }
make -j"$(nproc)" >make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
cp src/aria2c "$out/bin/aria2c"
"$out/bin/aria2c" --version | head -1
echo "build.sh: $out/bin/aria2c" >&2

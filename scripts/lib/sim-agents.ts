/**
 * What each emulated node runs inside its own network and mount namespaces: the luna agent
 * plays iPXE and the dracut module (boot menu, discovery by MAC, the install script from the
 * returned kernel arguments); the stock agent is what a site could set up by hand — aria2c with
 * its defaults on a torrent without a web seed, then tar — timed through the same daemon records
 * (it fetches the install script for the install.request stage and reports install.success).
 */

/** What one node does, as its iPXE + dracut would: runs inside its namespaces. */
export const NODE_AGENT = `set -u
mac=$1 root=$2 base=$3
mount --bind "$root" /sysroot
curl -sf "$base/luna?step=boot" | head -1 | grep -q '^#!ipxe' || { echo "no boot menu"; exit 1; }
for try in $(seq 1 30); do
  script=$(curl -sf "$base/luna?step=discovery&hwdata=$mac") && break
  sleep 1
done
url=$(printf '%s' "$script" | sed -n 's/.*luna\\.url=\\([^ ]*\\).*/\\1/p')
node=$(printf '%s' "$script" | sed -n 's/.*luna\\.node=\\([^ ]*\\).*/\\1/p')
token=$(printf '%s' "$script" | sed -n 's/.*luna\\.token=\\([0-9a-f]*\\).*/\\1/p')
[ -n "$url" ] && [ -n "$node" ] || { echo "no kernel arguments in: $script"; exit 1; }
curl -sf "$url?step=install&node=$node&token=$token" > "$root.install.sh" || { echo "no install script"; exit 1; }
bash "$root.install.sh"
rc=$?
# The image part of the tree (per-node hostname and network files left out) must be identical.
( cd /sysroot && find . \\( -path ./.luna-download -o -path ./etc/hostname -o -path ./etc/systemd/network \\) -prune \
    -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16 ) > "$root.hash"
exit $rc
`;

/** The stock swarm: $4 is a torrent without url-list; aria2c defaults (seed ratio 1.0), at most 1 min of seeding. */
export const STOCK_AGENT = `set -u
mac=$1 root=$2 base=$3 torrent=$4
mount --bind "$root" /sysroot
for try in $(seq 1 30); do
  script=$(curl -sf "$base/luna?step=discovery&hwdata=$mac") && break
  sleep 1
done
node=$(printf '%s' "$script" | sed -n 's/.*luna\\.node=\\([^ ]*\\).*/\\1/p')
token=$(printf '%s' "$script" | sed -n 's/.*luna\\.token=\\([0-9a-f]*\\).*/\\1/p')
[ -n "$node" ] || { echo "no kernel arguments in: $script"; exit 1; }
curl -sf -o /dev/null "$base/luna?step=install&node=$node&token=$token" || { echo "no install script"; exit 1; }
dl=/sysroot/.luna-download
mkdir -p "$dl"
printf '#!/bin/sh\\n: > "%s/complete"\\n' "$dl" > "$root.hook"
chmod 755 "$root.hook"
# The same tracker, with this boot's credential (the daemon admits only announces that carry one).
aria2c --dir="$dl" --seed-time=1 --on-bt-download-complete="$root.hook" --quiet=true \\
  --bt-exclude-tracker='*' --bt-tracker="$base/announce?node=$node&token=$token" "$torrent" &
pid=$!
while [ ! -e "$dl/complete" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "aria2c exited early"; exit 1; }
  sleep 0.2
done
tar --numeric-owner -xpf "$dl"/*.tar -C /sysroot || exit 1
curl -sf -o /dev/null "$base/luna?step=install&node=$node&token=$token&status=install.success" || exit 1
( cd /sysroot && find . \\( -path ./.luna-download -o -path ./etc/hostname -o -path ./etc/systemd/network \\) -prune \\
    -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16 ) > "$root.hash"
wait "$pid"
exit 0
`;

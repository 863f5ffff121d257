/**
 * What each emulated node runs inside its own network and mount namespaces: the luna agent
 * plays iPXE and the dracut module (boot menu, discovery by MAC, the install script from the
 * returned kernel arguments); the stock agent is what a site could set up by hand — aria2c with
 * its defaults on a torrent without a web seed, then tar — timed through the same daemon records
 * (it fetches the install script for the install.request stage and reports install.success).
 * Both read the kernel arguments with the dracut module's own parser and fetch the install
 * script with its own function, so every URL comes from the daemon's renderers (urls.ts) or
 * from the module code that test/node/dracut/urls.test.ts compares with them.
 */
import installLib from "../../node/dracut/95luna/luna-install-lib.sh" with { type: "text" };
import lib from "../../node/dracut/95luna/luna-lib.sh" with { type: "text" };
import { STUB_GETARG } from "./getarg.ts";

/**
 * $1 MAC, $2 the node's root, $3 the boot URL DHCP would hand out. Asks for the boot menu,
 * takes the /luna URL iPXE would (`set luna`), discovers by MAC as the menu's chain does, and
 * sets LUNA_URL, LUNA_NODE, LUNA_TOKEN… from the kernel line with luna_parse_cmdline.
 */
const DISCOVER = `${STUB_GETARG}${lib}
${installLib}
set -u
mac=$1 root=$2 boot=$3
luna=$(curl -sf "$boot" | sed -n 's/^set luna //p')
[ -n "$luna" ] || { echo "no boot menu at $boot"; exit 1; }
for try in $(seq 1 30); do
  script=$(curl -sf "$luna?step=discovery&hwdata=$mac") && break
  sleep 1
done
GETARG_CMDLINE=$(printf '%s' "$script" | sed -n 's/^kernel [^ ]* //p')
env=$(luna_parse_cmdline) || { echo "no kernel arguments in: $script"; exit 1; }
eval "$env"
mount --bind "$root" /sysroot
`;

/**
 * What one node does, as its iPXE + dracut would: runs inside its namespaces. With
 * LUNA_SIM_LOADER=1 (fault runs) the install goes through the loader's own luna_install
 * (fetch, retries with backoff, root reset between attempts), not once by hand.
 */
export const NODE_AGENT = `${DISCOVER}
if [ -n "\${LUNA_SIM_LOADER:-}" ]; then
  mkdir -p "$root.run"
  LUNA_ROOT=/sysroot LUNA_RUN_DIR="$root.run" luna_install
  rc=$?
  grep -c ' /sysroot ' /proc/self/mounts > "$root.mounts"
else
  luna_fetch_script "$root.install.sh" || { echo "no install script"; exit 1; }
  bash "$root.install.sh"
  rc=$?
fi
# The image part of the tree (per-node hostname and network files left out) must be identical.
( cd /sysroot && find . \\( -path ./.luna-download -o -path ./etc/hostname -o -path ./etc/systemd/network \\) -prune \
    -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16 ) > "$root.hash"
exit $rc
`;

/** The stock swarm: $4 is a torrent without url-list; aria2c defaults (seed ratio 1.0), at most 1 min of seeding. */
export const STOCK_AGENT = `${DISCOVER}
torrent=$4
luna_fetch_script "$root.install.sh" || { echo "no install script"; exit 1; }
# The tracker and status URLs the daemon rendered for this boot (LUNA_SOURCE_ONLY: nothing runs).
LUNA_SOURCE_ONLY=1 . "$root.install.sh"
dl=/sysroot/.luna-download
mkdir -p "$dl"
printf '#!/bin/sh\\n: > "%s/complete"\\n' "$dl" > "$root.hook"
chmod 755 "$root.hook"
# The same tracker, with this boot's credential (the daemon admits only announces that carry one).
aria2c --dir="$dl" --seed-time=1 --on-bt-download-complete="$root.hook" --quiet=true \\
  --bt-exclude-tracker='*' --bt-tracker="$LUNA_TRACKER_URL" "$torrent" &
pid=$!
while [ ! -e "$dl/complete" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "aria2c exited early"; exit 1; }
  sleep 0.2
done
tar --numeric-owner -xpf "$dl"/*.tar -C /sysroot || exit 1
curl -sf -o /dev/null "\${LUNA_STATUS_URL}install.success" || exit 1
( cd /sysroot && find . \\( -path ./.luna-download -o -path ./etc/hostname -o -path ./etc/systemd/network \\) -prune \\
    -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16 ) > "$root.hash"
wait "$pid"
exit 0
`;

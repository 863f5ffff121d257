# shellcheck shell=bash
# Luna install script body: appended to the per-node header that luna renders (variables
# LUNA_*, and the node's network files in functions luna_netfiles_<format>). Runs inside the
# dracut initramfs (95luna) with bash, curl, tar and zstd; in the emulated cluster and tests
# it runs on a normal host with LUNA_ROOT pointing at a scratch folder. Every log line starts
# with "luna:".
set -u
set -o pipefail

: "${LUNA_URL:?}" "${LUNA_NODE:?}" "${LUNA_ROOT:=/sysroot}"
# Rendered by the daemon with this boot's credential; empty (no reports) when the body is
# sourced on its own, as tests do.
: "${LUNA_STATUS_URL:=}"
# A download that makes no progress for this long fails (and the loader tries again).
: "${LUNA_DL_STALL:=300}"
export LUNA_ROOT LUNA_NODE LUNA_HOSTNAME LUNA_MAC LUNA_IMAGE LUNA_IMAGE_VERSION LUNA_BOOT_IF LUNA_TORRENT_IF
LUNA_STAGE=start

luna_log() { echo "luna: $*" >&2; }

# Reports a stage to the head node. Retries with jittered, capped backoff so that a thousand
# nodes retrying together never turn status reports into a storm of their own; never fatal.
luna_status() {
  local url="${LUNA_STATUS_URL}$1" try delay
  [ -n "$LUNA_STATUS_URL" ] || return 0
  for try in 1 2 3 4 5; do
    curl --silent --fail --max-time 10 --connect-timeout 5 -o /dev/null "$url" && return 0
    delay=$(((RANDOM % (1 << try)) + 1))
    [ "$delay" -gt 30 ] && delay=30
    sleep "$delay"
  done
  luna_log "could not report status $1 (continuing)"
  return 0
}

luna_stage() {
  LUNA_STAGE=$1
  luna_log "stage ${LUNA_STAGE}"
  luna_status "install.${LUNA_STAGE}"
}

luna_fail() {
  luna_log "FATAL in ${LUNA_STAGE}: $*"
  luna_status "install.error.${LUNA_STAGE}"
  # aria2c would otherwise outlive this attempt (it watches this shell only every few seconds)
  # and hold files under LUNA_ROOT while the loader resets it.
  if [ -n "${LUNA_ARIA2_PID:-}" ]; then
    kill "$LUNA_ARIA2_PID" 2>/dev/null
    wait "$LUNA_ARIA2_PID" 2>/dev/null
  fi
  exit 1
}

# Runs one of the group's scripts (prescript, partscript, postscript) in its own bash, with
# no terminal on stdin (mkfs on a used disk would wait for a "Proceed anyway?" answer); a
# failure fails the install: a partscript that did not mount the disk would otherwise leave
# the image unpacked into memory and reported as installed.
luna_run_script() {
  local name=$1 text=$2 rc=0
  [ -n "$text" ] || return 0
  bash -c "$text" </dev/null || rc=$?
  [ "$rc" -eq 0 ] || luna_fail "${name} exited with status ${rc}"
}

# One ipmitool command of the BMC setup. A failure is logged with ipmitool's message (the
# password masked) and counted in LUNA_BMC_FAILED; the next commands still run.
LUNA_BMC_FAILED=0
luna_ipmi() {
  local shown=$* out rc=0
  [ "$1 $2 $3" = "user set password" ] && shown="user set password $4 ****"
  out=$(ipmitool "$@" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] && return 0
  luna_log "BMC setup: 'ipmitool ${shown}' failed (status ${rc}): ${out//$'\n'/ }"
  LUNA_BMC_FAILED=$((LUNA_BMC_FAILED + 1))
}

# A BMC that was not configured is reported (install.setupbmc.failed, shown by `luna node
# status`) but does not fail the install: the node still needs its OS.
luna_setup_bmc() {
  if [ "$LUNA_SETUPBMC" != 1 ] || [ -z "$LUNA_BMC_IP" ]; then
    luna_log "BMC setup skipped"
    return 0
  fi
  luna_stage setupbmc
  if ! command -v ipmitool >/dev/null; then
    luna_log "ipmitool not found; BMC not configured"
    luna_status install.setupbmc.failed
    return 0
  fi
  modprobe ipmi_devintf 2>/dev/null
  modprobe ipmi_si 2>/dev/null
  modprobe ipmi_msghandler 2>/dev/null
  local ch=$LUNA_BMC_NETCHANNEL id=$LUNA_BMC_USERID
  LUNA_BMC_FAILED=0
  luna_ipmi lan set "$ch" ipsrc static
  luna_ipmi lan set "$ch" ipaddr "$LUNA_BMC_IP"
  luna_ipmi lan set "$ch" netmask "$LUNA_BMC_NETMASK"
  luna_ipmi lan set "$ch" defgw ipaddr 0.0.0.0
  luna_ipmi user set name "$id" "$LUNA_BMC_USER"
  luna_ipmi user set password "$id" "$LUNA_BMC_PASSWORD"
  luna_ipmi channel setaccess "$LUNA_BMC_MGMTCHANNEL" "$id" link=on ipmi=on callin=on privilege=4
  luna_ipmi user enable "$id"
  if [ "$LUNA_BMC_FAILED" -gt 0 ]; then
    luna_log "BMC setup incomplete: ${LUNA_BMC_FAILED} ipmitool command(s) failed; the install goes on"
    luna_status install.setupbmc.failed
    return 0
  fi
  # Many BMCs drop the answer to a cold reset while they restart: its status means nothing.
  ipmitool mc reset cold >/dev/null 2>&1 || luna_log "BMC setup: no answer to 'mc reset cold' (usual while it restarts)"
}

luna_decompress() {
  case "$LUNA_TARBALL_URL" in
    *.zst) zstd -dc ;;
    *.gz) gzip -dc ;;
    *) cat ;;
  esac
}

# GNU tar options that restore owners, modes, xattrs, ACLs and file capabilities exactly.
luna_untar() {
  tar --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - -C "$LUNA_ROOT"
}

# Plain HTTP from the head node: the baseline, and the method for sites without BitTorrent.
luna_fetch_http() {
  curl --silent --show-error --fail --retry 5 --retry-delay 3 --connect-timeout 10 \
    --speed-limit 1024 --speed-time "$LUNA_DL_STALL" "$LUNA_TARBALL_URL" | luna_decompress | luna_untar
}

LUNA_ARIA2_PID=
LUNA_DL_DIR=

# BitTorrent with aria2c: our tracker only (the torrent's announce URL is replaced so a
# renamed head node still works), no DHT/LSD/PEX, pieces verified by aria2c as they arrive.
# The torrent carries no web seed: at scale every node streaming the tarball over HTTP from
# byte 0 eats the head node's link and gives all nodes the same pieces (docs/benchmarks.md).
# The tarball's URL is added as a web seed only when the swarm stalls: aria2c stops after
# LUNA_SWARM_STALL seconds without a byte and is started again on the same folder (it resumes
# from its control file) with the web seed beside the swarm.
# aria2c keeps running after the download completes, so this node serves its peers while it
# unpacks and until the seeding tail ends (luna_seed_tail).
: "${LUNA_SWARM_STALL:=30}"
# Seconds between announces while downloading (aria2c ignores the tracker's interval then).
: "${LUNA_BT_INTERVAL:=5}"
# Peers per node: 8, not aria2c's 55. aria2c uploads to 4 peers at a time anyway, and in its
# endgame (the last 20 pieces) it asks every connected peer for every missing block: with 15
# peers a late node received up to a quarter of the image twice (docs/benchmarks.md).
# Extra aria2c options, split on spaces (for experiments and site tuning).
: "${LUNA_ARIA2_OPTS:=}"
luna_aria2c() {
  local stall=$1
  shift
  local extra=()
  read -ra extra <<<"$LUNA_ARIA2_OPTS"
  aria2c --dir="$LUNA_DL_DIR" --bt-exclude-tracker='*' --bt-tracker="$LUNA_TRACKER_URL" \
    --enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false \
    --seed-ratio=0.0 --seed-time=100000 --bt-max-peers=8 --bt-tracker-interval="$LUNA_BT_INTERVAL" \
    --listen-port=6881-6999 --file-allocation=none --check-integrity=false \
    --bt-stop-timeout="$stall" --log="$LUNA_DL_DIR/aria2c.log" --log-level=warn \
    --on-bt-download-complete="$LUNA_DL_DIR/on-complete.sh" --summary-interval=0 --console-log-level=warn \
    --quiet=true --stop-with-process=$$ "${extra[@]}" "$@" &
  LUNA_ARIA2_PID=$!
}

# Waits for the completion flag; fails (after showing aria2c's last log lines) if aria2c exits
# first. The completion hook also sends this shell SIGUSR1, which ends the one-second wait at
# once: no polling loop of short sleeps (64 emulated nodes polling every 0.2 s cost a fifth of
# the head node's two cores in the benchmark).
luna_aria2c_wait() {
  local flag="$LUNA_DL_DIR/complete" nap
  # Never reset: a signal from the hook that arrives late must not end the script.
  trap ':' USR1
  while [ ! -e "$flag" ]; do
    if ! kill -0 "$LUNA_ARIA2_PID" 2>/dev/null; then
      wait "$LUNA_ARIA2_PID" 2>/dev/null
      luna_log "aria2c exited before the download completed (no progress for $1 s, or an error):"
      local lines=()
      mapfile -t lines <"$LUNA_DL_DIR/aria2c.log" 2>/dev/null
      local from=$((${#lines[@]} > 5 ? ${#lines[@]} - 5 : 0))
      if [ "${#lines[@]}" -gt 0 ]; then printf '  %s\n' "${lines[@]:from}" >&2; fi
      return 1
    fi
    sleep 1 &
    nap=$!
    wait "$nap"
    kill "$nap" 2>/dev/null
  done
  # The loop's status is the last kill's, which fails when the nap ended by itself (the flag
  # appeared without the hook's signal landing in the wait): the download is complete anyway.
  return 0
}

luna_fetch_torrent() {
  LUNA_DL_DIR="$LUNA_ROOT/.luna-download"
  # Whatever an earlier attempt left (a completion flag, a tarball without its control file)
  # would fool this one.
  rm -rf "$LUNA_DL_DIR"
  mkdir -p "$LUNA_DL_DIR" || return 1
  local torrent="$LUNA_DL_DIR/image.torrent"
  curl --silent --show-error --fail --retry 5 --retry-delay 3 --connect-timeout 10 --max-time 120 \
    -o "$torrent" "$LUNA_TORRENT_URL" || return 1
  printf '#!/bin/sh\n: > "%s"\nkill -USR1 %s 2>/dev/null\n' "$LUNA_DL_DIR/complete" "$$" >"$LUNA_DL_DIR/on-complete.sh"
  chmod 755 "$LUNA_DL_DIR/on-complete.sh"
  luna_aria2c "$LUNA_SWARM_STALL" "$torrent"
  if ! luna_aria2c_wait "$LUNA_SWARM_STALL"; then
    luna_log "the swarm stalled: going on with the head node's web seed beside it"
    luna_status install.download.webseed
    luna_aria2c "$LUNA_DL_STALL" -T "$torrent" "$LUNA_TARBALL_URL"
    luna_aria2c_wait "$LUNA_DL_STALL" || return 1
  fi
  luna_stage unpack
  luna_decompress <"$LUNA_DL_DIR/$LUNA_TARBALL" | luna_untar
}

# Keeps seeding after the install until no peer is still downloading (the tracker's scrape
# says incomplete=0) or LUNA_SEED_TAIL seconds have passed; 0 stops at once.
luna_seed_tail() {
  [ -n "$LUNA_ARIA2_PID" ] || return 0
  local start=$SECONDS waited=0 incomplete
  # waited counts real seconds (SECONDS): a slow scrape must not stretch the tail.
  while [ "$waited" -lt "$LUNA_SEED_TAIL" ] && kill -0 "$LUNA_ARIA2_PID" 2>/dev/null; do
    incomplete=$(curl --silent --max-time 5 "$LUNA_SCRAPE_URL" |
      tr -c '[:print:]' '.' | sed -n 's/.*10:incompletei\([0-9]*\)e.*/\1/p')
    [ "$incomplete" = 0 ] && break
    sleep 2
    waited=$((SECONDS - start))
  done
  kill "$LUNA_ARIA2_PID" 2>/dev/null
  wait "$LUNA_ARIA2_PID" 2>/dev/null
  rm -rf "$LUNA_DL_DIR"
  luna_log "stopped seeding after ${waited} s"
}

# The download step: plain HTTP from the head node, or the swarm.
luna_download() {
  luna_stage download
  case "$LUNA_METHOD" in
    http) luna_fetch_http || luna_fail "download or unpack of ${LUNA_TARBALL_URL} failed" ;;
    torrent) luna_fetch_torrent || luna_fail "BitTorrent download or unpack of ${LUNA_TORRENT_URL} failed" ;;
    *) luna_fail "unknown download method '${LUNA_METHOD}'" ;;
  esac
}

# The image's network format: as found when it was packed (LUNA_NETFMT), else looked for in
# the unpacked tree by the pack's own rules (NETFMT_RULES in src/domain/boot/netfiles.ts).
luna_netfmt() {
  local etc=$LUNA_ROOT/etc unit=$LUNA_ROOT/etc/systemd/system
  if [ -n "${LUNA_NETFMT:-}" ]; then
    echo "$LUNA_NETFMT"
  elif [ -d "$etc/NetworkManager" ]; then
    echo nm
  elif luna_exists "$unit/multi-user.target.wants/systemd-networkd.service" ||
    luna_exists "$unit/dbus-org.freedesktop.network1.service" ||
    luna_exists "$unit/sockets.target.wants/systemd-networkd.socket"; then
    echo networkd
  elif [ -f "$etc/network/interfaces" ]; then
    echo debian
  elif [ -d "$etc/sysconfig/network-scripts" ]; then
    echo ifcfg
  else
    echo none
  fi
}

# The name exists, even as a link whose target resolves only in the booted image.
luna_exists() { [ -L "$1" ] || [ -e "$1" ]; }

# The group's boot interface may be called BOOTIF (the default, as in luna 1.2): the NIC this
# node booted from, found by its MAC. Other names are used as they are.
luna_iface_name() {
  local name=$1 dev mac
  if [ "$name" = BOOTIF ] && [ -n "${LUNA_MAC:-}" ]; then
    for dev in "${LUNA_SYSFS:-/sys}"/class/net/*; do
      read -r mac <"$dev/address" 2>/dev/null || continue
      if [ "${mac,,}" = "${LUNA_MAC,,}" ]; then
        echo "${dev##*/}"
        return
      fi
    done
    luna_log "no interface has MAC ${LUNA_MAC}; BOOTIF is written as it is"
  fi
  echo "$name"
}

LUNA_BOOTIF_NIC=

# Writes one network file rendered by luna (its text on stdin) under LUNA_ROOT with mode $1,
# the boot NIC's name put in for @BOOTIF@ in its path and text.
luna_netfile() {
  local mode=$1 path=$2 text=''
  IFS= read -r -d '' text || true
  case "$path$text" in
    *@BOOTIF@*) [ -n "$LUNA_BOOTIF_NIC" ] || LUNA_BOOTIF_NIC=$(luna_iface_name BOOTIF) ;;
  esac
  path=${path//@BOOTIF@/$LUNA_BOOTIF_NIC}
  if mkdir -p "$LUNA_ROOT${path%/*}" && printf '%s' "${text//@BOOTIF@/$LUNA_BOOTIF_NIC}" >"$LUNA_ROOT$path" &&
    chmod "$mode" "$LUNA_ROOT$path"; then
    luna_log "wrote ${path}"
  else
    luna_log "could not write ${path} (continuing)"
  fi
}

luna_setnet() {
  luna_stage setnet
  local fmt
  mkdir -p "$LUNA_ROOT/etc"
  echo "$LUNA_HOSTNAME" >"$LUNA_ROOT/etc/hostname"
  fmt=$(luna_netfmt)
  luna_log "network configuration format: ${fmt}"
  if declare -F "luna_netfiles_${fmt}" >/dev/null; then
    "luna_netfiles_${fmt}"
  else
    luna_log "no known network configuration format in the image; interfaces left unconfigured"
  fi
}

luna_main() {
  luna_log "installing ${LUNA_NODE} (${LUNA_HOSTNAME}) from ${LUNA_URL} into ${LUNA_ROOT}"
  luna_stage prescript
  luna_run_script prescript "$LUNA_PRESCRIPT"
  luna_setup_bmc
  luna_stage partscript
  luna_run_script partscript "$LUNA_PARTSCRIPT"
  mkdir -p "$LUNA_ROOT" 2>/dev/null
  if [ ! -d "$LUNA_ROOT" ] || [ ! -w "$LUNA_ROOT" ]; then
    luna_fail "${LUNA_ROOT} is not a writable folder after the partscript"
  fi
  luna_download
  luna_setnet
  luna_stage postscript
  luna_run_script postscript "$LUNA_POSTSCRIPT"
  LUNA_STAGE=success
  luna_status install.success
  luna_log "install of ${LUNA_NODE} finished"
  luna_seed_tail
}

# LUNA_SOURCE_ONLY=1: define the functions only (tests call them one by one).
[ "${LUNA_SOURCE_ONLY:-}" = 1 ] || luna_main "$@"

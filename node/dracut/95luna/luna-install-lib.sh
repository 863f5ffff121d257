#!/bin/sh
# Luna installer, install step: fetch the node's install script from the daemon
# (GET <luna.url>?step=install&node=<luna.node>), run it with bash, retry with jittered
# backoff, and check what ends up on /sysroot. POSIX sh; _luna_-prefixed variables.
# Tunables (environment, for tests and rd.break debugging): LUNA_FETCH_TRIES (30),
# LUNA_INSTALL_TRIES (3), LUNA_PAUSE (base pause, 5 s), LUNA_PAUSE_MAX (60 s),
# LUNA_RUN_DIR (/tmp), LUNA_ROOT (the root to fill, $NEWROOT or /sysroot).

# A number in [0, $1). dash has no $RANDOM; od is installed by module-setup.sh, and $$ is
# still enough to spread nodes apart if it is missing.
luna_random() {
    _luna_r=$(od -An -N2 -tu2 /dev/urandom 2> /dev/null | tr -d ' ')
    echo $((${_luna_r:-$$} % $1))
}

# Seconds to wait after failed attempt $1: LUNA_PAUSE doubled per attempt up to
# LUNA_PAUSE_MAX, half of it fixed and half random ("equal jitter"), so a rack of nodes that
# failed together does not retry together.
luna_backoff_seconds() {
    _luna_d=${LUNA_PAUSE:-5}
    _luna_k=1
    while [ "$_luna_k" -lt "$1" ] && [ "$_luna_d" -lt "${LUNA_PAUSE_MAX:-60}" ]; do
        _luna_d=$((_luna_d * 2))
        _luna_k=$((_luna_k + 1))
    done
    [ "$_luna_d" -gt "${LUNA_PAUSE_MAX:-60}" ] && _luna_d=${LUNA_PAUSE_MAX:-60}
    echo $((_luna_d - _luna_d / 2 + $(luna_random $((_luna_d / 2 + 1)))))
}

# Brings the boot interface up, trying again with backoff: DHCP can fail for a while after
# the link comes up (a switch port still in spanning-tree listening/learning, a DHCP server
# being restarted by makedhcp). LUNA_NET_TRIES attempts (default 8, several minutes).
luna_net_up_retry() {
    _luna_net_try=1
    while :; do
        luna_net_up && return 0
        [ "$_luna_net_try" -ge "${LUNA_NET_TRIES:-8}" ] && return 1
        _luna_wait=$(luna_backoff_seconds "$_luna_net_try")
        luna_log "no boot interface yet (try $_luna_net_try of ${LUNA_NET_TRIES:-8}); next try in $_luna_wait s"
        sleep "$_luna_wait"
        _luna_net_try=$((_luna_net_try + 1))
    done
}

# The node's URLs, built here because only the kernel command line reaches the initramfs:
# the same strings as installUrl and statusUrl in src/domain/boot/urls.ts, which
# test/node/dracut/urls.test.ts compares for the same inputs. luna_valid_name allows only node
# names that need no percent-encoding, and luna.token is checked to be hex.

# The install script's URL as logged (the credential is added only where it is sent).
luna_install_url() {
    printf '%s?step=install&node=%s' "$LUNA_URL" "$LUNA_NODE"
}

# luna.token (the boot credential from discovery) as query parameters, when there is one.
luna_token_query() {
    [ -z "${LUNA_TOKEN:-}" ] || printf '&token=%s' "$LUNA_TOKEN"
}

# Where stage $1 is reported: the install URL with the credential and &status=$1.
luna_status_url() {
    printf '%s%s&status=%s' "$(luna_install_url)" "$(luna_token_query)" "$1"
}

# One download of the install script into $1. curl retries transient errors itself with its
# own exponential backoff (curl(1) --retry); --fail turns HTTP errors (404 for a node the
# daemon does not know yet) into a failure.
luna_fetch_script() {
    rm -f "$1"
    curl --silent --show-error --fail --location --connect-timeout 10 --max-time 120 \
        --retry 3 -o "$1" "$(luna_install_url)$(luna_token_query)" && [ -s "$1" ]
}

# Downloads until it works or LUNA_FETCH_TRIES attempts have failed (by default about 25
# minutes: a head node that boots with its nodes may come up after them).
luna_fetch_until_ok() {
    _luna_try=1
    until luna_fetch_script "$1"; do
        if [ "$_luna_try" -ge "${LUNA_FETCH_TRIES:-30}" ]; then
            luna_log "gave up getting the install script from $(luna_install_url) after $_luna_try tries"
            return 1
        fi
        _luna_wait=$(luna_backoff_seconds "$_luna_try")
        luna_log "could not get the install script from $(luna_install_url) (try $_luna_try); next try in $_luna_wait s"
        sleep "$_luna_wait"
        _luna_try=$((_luna_try + 1))
    done
}

# Runs the install script with bash (it uses arrays). ipmitool needs /dev/ipmi0, which
# appears only once the IPMI drivers are loaded; a machine without a BMC just fails that load.
luna_run_install() {
    if command -v ipmitool > /dev/null 2>&1 && command -v modprobe > /dev/null 2>&1; then
        modprobe -q -a ipmi_devintf ipmi_si 2> /dev/null
    fi
    LUNA_ROOT=${LUNA_ROOT:-${NEWROOT:-/sysroot}} bash "$1"
}

luna_is_mounted() {
    while read -r _luna_dev _luna_mp _luna_rest; do
        [ "$_luna_mp" = "$1" ] && return 0
    done < /proc/self/mounts
    return 1
}

# Before another attempt: unmount what the failed one mounted on the root (its partscript
# mounts again), so attempts do not stack tmpfs mounts full of half-unpacked images.
luna_reset_root() {
    _luna_root=${LUNA_ROOT:-${NEWROOT:-/sysroot}}
    luna_is_mounted "$_luna_root" || return 0
    umount -R "$_luna_root" 2> /dev/null || umount -l "$_luna_root"
}

# Fetches and runs the install script; a failed run is retried LUNA_INSTALL_TRIES times in
# all, with a pause. Status 0 once a run exits 0.
luna_install() {
    _luna_attempt=1
    while :; do
        luna_fetch_until_ok "${LUNA_RUN_DIR:-/tmp}/luna-install.sh" || return 1
        luna_log "running the install script for $LUNA_NODE (attempt $_luna_attempt of ${LUNA_INSTALL_TRIES:-3})"
        luna_run_install "${LUNA_RUN_DIR:-/tmp}/luna-install.sh"
        _luna_rc=$?
        [ "$_luna_rc" -eq 0 ] && return 0
        if [ "$_luna_attempt" -ge "${LUNA_INSTALL_TRIES:-3}" ]; then
            luna_log "the install script failed (status $_luna_rc) $_luna_attempt times; giving up"
            return 1
        fi
        _luna_wait=$(luna_backoff_seconds "$_luna_attempt")
        luna_log "the install script failed (status $_luna_rc); trying again in $_luna_wait s"
        luna_reset_root
        sleep "$_luna_wait"
        _luna_attempt=$((_luna_attempt + 1))
    done
}

# switch_root needs a mount point. A partscript that only unpacks into the initramfs's own
# /sysroot folder still boots: the folder is bind-mounted onto itself (it stays in RAM).
luna_ensure_root_mounted() {
    _luna_root=${LUNA_ROOT:-${NEWROOT:-/sysroot}}
    luna_is_mounted "$_luna_root" && return 0
    luna_log "nothing is mounted on $_luna_root (partscript); bind-mounting the folder onto itself"
    mount --bind "$_luna_root" "$_luna_root"
}

# Prints why $1 is not a bootable root and fails, or succeeds silently. The init looked for
# is the one dracut's init.sh looks for: init= from the command line, then /sbin/init.
luna_root_problem() {
    for _luna_d in etc usr; do
        [ -d "$1/$_luna_d" ] || {
            echo "no /$_luna_d"
            return 1
        }
    done
    for _luna_i in "$(getarg init=)" /sbin/init /usr/lib/systemd/systemd /lib/systemd/systemd; do
        [ -n "$_luna_i" ] || continue
        [ -L "$1$_luna_i" ] || [ -x "$1$_luna_i" ] && return 0
    done
    echo "no init (/sbin/init)"
    return 1
}

# One status report to the daemon, best effort (the install script reports its own stages).
luna_report() {
    curl --silent --max-time 10 -o /dev/null "$(luna_status_url "$1")" || :
}

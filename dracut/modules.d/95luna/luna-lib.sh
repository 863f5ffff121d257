#!/bin/sh
# Luna installer functions for the initramfs (POSIX sh): parsing luna.* kernel arguments,
# bringing up the boot interface, fetching and running the install script. Sourced by the
# hooks; also sourced by tests with a stub getarg.

luna_log() {
    echo "luna: $*" >&2
}

# Reads luna.* arguments through dracut's getarg and prints them as shell assignments.
# Fails (status 1, message on stderr) when root=luna lacks luna.url or luna.node.
luna_parse() {
    _root=$(getarg root=)
    [ "$_root" = "luna" ] || return 2
    _url=$(getarg luna.url=)
    _node=$(getarg luna.node=)
    if [ -z "$_url" ] || [ -z "$_node" ]; then
        luna_log "root=luna needs luna.url= and luna.node= on the kernel command line"
        return 1
    fi
    _proto=$(getarg luna.bootproto=)
    case "${_proto:-dhcp}" in
        dhcp | static) ;;
        *) luna_log "luna.bootproto must be dhcp or static, not '$_proto'"; return 1 ;;
    esac
    _ip=$(getarg luna.ip=)
    if [ "$_proto" = static ] && [ -z "$_ip" ]; then
        luna_log "luna.bootproto=static needs luna.ip=ADDRESS/PREFIX"
        return 1
    fi
    _service=$(getarg luna.service=)
    printf "LUNA_URL='%s'\nLUNA_NODE='%s'\nLUNA_HOSTNAME='%s'\nLUNA_MAC='%s'\nLUNA_IP='%s'\nLUNA_BOOTPROTO='%s'\nLUNA_SERVICE='%s'\n" \
        "$_url" "$_node" "$(getarg luna.hostname=)" "$(getarg luna.mac=)" "$_ip" "${_proto:-dhcp}" "${_service:-0}"
}

# The NIC whose MAC is $1 (case-insensitive), or nothing.
luna_nic_by_mac() {
    _want=$(echo "$1" | tr 'A-F' 'a-f')
    for _dev in /sys/class/net/*; do
        [ "$(cat "$_dev/address" 2>/dev/null)" = "$_want" ] && { echo "${_dev##*/}"; return 0; }
    done
    return 1
}

luna_net_up() {
    ip link set lo up
    if [ "$LUNA_BOOTPROTO" = static ] && _nic=$(luna_nic_by_mac "$LUNA_MAC"); then
        ip link set "$_nic" up
        ip addr add "$LUNA_IP" dev "$_nic" 2>/dev/null
        export LUNA_BOOTIF="$_nic"
        luna_log "boot interface $_nic with $LUNA_IP"
        return 0
    fi
    for _dev in /sys/class/net/*; do
        [ "${_dev##*/}" = lo ] || ip link set "${_dev##*/}" up
    done
    if command -v dhclient >/dev/null; then
        dhclient -1 -lf /tmp/luna-dhclient.leases
    elif command -v udhcpc >/dev/null; then
        udhcpc -n -q -i "$(luna_nic_by_mac "$LUNA_MAC" || echo eth0)"
    else
        luna_log "no DHCP client in the initramfs and no static address: cannot reach the head node"
        return 1
    fi
}

# Fetches the install script with jittered, capped retries, then runs it; retries the whole
# install a bounded number of times (a node that cannot install keeps asking, slowly).
luna_install() {
    _tries=0
    while [ "$_tries" -lt "${LUNA_INSTALL_TRIES:-20}" ]; do
        _tries=$((_tries + 1))
        if curl --silent --fail --max-time 60 --connect-timeout 10 --retry 5 --retry-delay 2 \
            -o /tmp/luna-install.sh "$LUNA_URL?step=install&node=$LUNA_NODE"; then
            if bash /tmp/luna-install.sh; then
                return 0
            fi
            luna_log "install script failed (attempt $_tries)"
        else
            luna_log "could not fetch the install script from $LUNA_URL (attempt $_tries)"
        fi
        sleep $((5 + $(od -An -N1 -tu1 /dev/urandom 2>/dev/null || echo 7) % 20))
    done
    return 1
}

#!/bin/sh
# Luna installer, boot interface: static (luna.ip on the NIC whose MAC is luna.mac) or DHCP,
# with `ip` (ip-link(8), ip-address(8)) and whichever DHCP client the image had. dracut's own
# network stack is not used for this: it configures interfaces only from ip=/rd.neednet, and
# which stack an image has (network-legacy, NetworkManager, systemd-networkd, none at all with
# Debian's dracut-core) differs; `ip` is always there. POSIX sh; _luna_-prefixed variables.
# LUNA_SYSFS, LUNA_RUN_DIR and LUNA_IPCONFIG let tests point the functions at a fake /sys,
# a temp dir and no klibc ipconfig (which would configure a real interface).

# Prints the name of the interface whose hardware address is $1 (lower case, ':'). Addresses
# longer than 17 characters are InfiniBand (20 octets), whose first 4 octets (the queue pair)
# depend on the driver; those match on the last 8 octets, the port GUID, as luna 1.2 did.
luna_nic_by_mac() {
    _luna_want=$1
    [ "${#_luna_want}" -gt 17 ] && _luna_want=${_luna_want#"${_luna_want%???????????????????????}"}
    for _luna_dev in "${LUNA_SYSFS:-/sys}"/class/net/*; do
        [ -r "$_luna_dev/address" ] || continue
        read -r _luna_addr < "$_luna_dev/address" || continue
        if [ "${#1}" -le 17 ]; then
            [ "$_luna_addr" = "$1" ]
        else
            [ "${_luna_addr%"$_luna_want"}" != "$_luna_addr" ]
        fi && {
            echo "${_luna_dev##*/}"
            return 0
        }
    done
    return 1
}

# Interfaces worth a DHCP request: the one with luna.mac when it exists, else every Ethernet
# (type 1) or InfiniBand (type 32) interface.
luna_dhcp_nics() {
    if [ -n "${LUNA_MAC:-}" ] && luna_nic_by_mac "$LUNA_MAC"; then
        return 0
    fi
    for _luna_dev in "${LUNA_SYSFS:-/sys}"/class/net/*; do
        read -r _luna_type < "$_luna_dev/type" 2> /dev/null || continue
        case "$_luna_type" in
            1 | 32) echo "${_luna_dev##*/}" ;;
        esac
    done
}

# Waits up to LUNA_LINK_WAIT seconds (default 20) for a carrier on any of the interfaces
# given. Not fatal: some drivers never report one, and curl's retries cover a slow link.
luna_wait_carrier() {
    _luna_i=0
    while [ "$_luna_i" -lt "${LUNA_LINK_WAIT:-20}" ]; do
        for _luna_nic in "$@"; do
            read -r _luna_c < "${LUNA_SYSFS:-/sys}/class/net/$_luna_nic/carrier" 2> /dev/null || continue
            [ "$_luna_c" = 1 ] && return 0
        done
        sleep 1
        _luna_i=$((_luna_i + 1))
    done
    luna_log "no link on $* after ${LUNA_LINK_WAIT:-20} s; trying anyway"
    return 1
}

luna_static_up() {
    _luna_nic=$(luna_nic_by_mac "$LUNA_MAC") || {
        luna_log "no interface has MAC $LUNA_MAC"
        return 1
    }
    ip link set dev "$_luna_nic" up || return 1
    luna_wait_carrier "$_luna_nic"
    # replace, not add: idempotent if the hook runs again (rd.break, service mode).
    ip addr replace "$LUNA_IP" dev "$_luna_nic" || return 1
    echo "$_luna_nic" > "${LUNA_RUN_DIR:-/tmp}/luna.bootif"
    luna_log "boot interface $_luna_nic ($LUNA_MAC) has $LUNA_IP"
}

# Runs the first DHCP client the image has. Each is given /sbin/luna-dhcp-script, which sets
# the lease with `ip` and notes the interface (dracut's dhclient-script expects dracut's own
# ifup state). klibc's ipconfig (initramfs-tools' dependency on Debian) configures by itself
# but writes no resolv.conf, which is fine: the daemon renders luna.url with an address.
luna_dhcp_client() {
    _luna_script=/sbin/luna-dhcp-script
    if command -v dhclient > /dev/null 2>&1; then
        dhclient -1 -pf "${LUNA_RUN_DIR:-/tmp}/luna-dhclient.pid" \
            -lf "${LUNA_RUN_DIR:-/tmp}/luna-dhclient.leases" -sf "$_luna_script" "$@"
        return
    fi
    for _luna_nic in "$@"; do
        if command -v udhcpc > /dev/null 2>&1; then
            udhcpc -n -q -t 5 -i "$_luna_nic" -s "$_luna_script" && return 0
        elif command -v busybox > /dev/null 2>&1; then
            busybox udhcpc -n -q -t 5 -i "$_luna_nic" -s "$_luna_script" && return 0
        elif [ -x "${LUNA_IPCONFIG:=/usr/lib/klibc/bin/ipconfig}" ]; then
            "$LUNA_IPCONFIG" -t 30 -c dhcp -d "$_luna_nic" > /dev/null &&
                echo "$_luna_nic" > "${LUNA_RUN_DIR:-/tmp}/luna.bootif" && return 0
        else
            luna_log "no DHCP client (dhclient, udhcpc, busybox, klibc ipconfig) in the initramfs: install one in the image, or give the node a static luna.ip"
            return 1
        fi
    done
    return 1
}

luna_dhcp_up() {
    _luna_nics=$(luna_dhcp_nics)
    [ -n "$_luna_nics" ] || {
        luna_log "no network interface found (missing driver in the initramfs?)"
        return 1
    }
    _luna_list=
    for _luna_nic in $_luna_nics; do
        ip link set dev "$_luna_nic" up
        _luna_list="$_luna_list $_luna_nic"
    done
    # shellcheck disable=SC2086  # one word per interface
    luna_wait_carrier $_luna_list
    luna_log "DHCP on$_luna_list"
    # shellcheck disable=SC2086
    luna_dhcp_client $_luna_list
}

# Static when asked and possible; otherwise (no luna.mac, no such NIC) DHCP, as luna 1.2 did.
luna_net_up() {
    ip link set dev lo up
    if [ "$LUNA_BOOTPROTO" = static ]; then
        if [ -n "$LUNA_MAC" ] && luna_static_up; then
            return 0
        fi
        luna_log "static set-up of $LUNA_IP not possible; falling back to DHCP"
    fi
    luna_dhcp_up
}

# Before switch_root: stop our DHCP client and leave the boot interface without addresses,
# so the installed system's network configuration starts from a clean interface (ifupdown,
# for one, fails on an address that is already there).
luna_net_down() {
    if [ -f "${LUNA_RUN_DIR:-/tmp}/luna-dhclient.pid" ]; then
        read -r _luna_pid < "${LUNA_RUN_DIR:-/tmp}/luna-dhclient.pid" && kill "$_luna_pid" 2> /dev/null
        rm -f "${LUNA_RUN_DIR:-/tmp}/luna-dhclient.pid"
    fi
    [ -f "${LUNA_RUN_DIR:-/tmp}/luna.bootif" ] || return 0
    read -r _luna_nic < "${LUNA_RUN_DIR:-/tmp}/luna.bootif"
    ip addr flush dev "$_luna_nic"
    ip link set dev "$_luna_nic" down
    luna_log "released $_luna_nic for the installed system"
}

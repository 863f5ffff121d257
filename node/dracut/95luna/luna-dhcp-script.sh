#!/bin/sh
# DHCP client hook of the Luna installer (installed as /sbin/luna-dhcp-script). dhclient runs
# it with the event in $reason and the lease in new_* variables (dhclient-script(8)); busybox
# udhcpc runs it with the event in $1 and the lease in ip, subnet, mask, router, dns
# (udhcpc's default.script contract). It applies the lease with `ip`, writes resolv.conf
# (luna.url may name the head node), and notes the interface for luna_net_down. Nothing else:
# no hostname, NTP or MTU handling, which belong to the installed system.
# shellcheck disable=SC2154  # reason, interface, new_*, ip, subnet, ... come from the client

luna_log() {
    echo "luna: $*" >&2
}

# 255.255.240.0 → 20. Non-contiguous masks do not occur in DHCP replies worth using.
luna_mask_to_prefix() {
    _luna_rest="$1."
    _luna_p=0
    while [ -n "$_luna_rest" ]; do
        case "${_luna_rest%%.*}" in
            255) _luna_p=$((_luna_p + 8)) ;;
            254) _luna_p=$((_luna_p + 7)) ;;
            252) _luna_p=$((_luna_p + 6)) ;;
            248) _luna_p=$((_luna_p + 5)) ;;
            240) _luna_p=$((_luna_p + 4)) ;;
            224) _luna_p=$((_luna_p + 3)) ;;
            192) _luna_p=$((_luna_p + 2)) ;;
            128) _luna_p=$((_luna_p + 1)) ;;
        esac
        _luna_rest=${_luna_rest#*.}
    done
    echo "$_luna_p"
}

# $1 interface, $2 address, $3 prefix length, $4 routers, $5 name servers (space-separated).
luna_apply_lease() {
    ip link set dev "$1" up
    ip addr replace "$2/$3" dev "$1" || return 1
    for _luna_r in $4; do
        ip route replace default via "$_luna_r" dev "$1"
        break
    done
    if [ -n "$5" ]; then
        for _luna_d in $5; do echo "nameserver $_luna_d"; done > "${LUNA_RESOLV_CONF:-/etc/resolv.conf}"
    fi
    echo "$1" > "${LUNA_RUN_DIR:-/tmp}/luna.bootif"
    luna_log "DHCP lease $2/$3 on $1"
}

# The old address must go when a renewal brings a new one (dhclient keeps both otherwise).
luna_drop_old() {
    [ -n "$2" ] && [ "$2" != "$3" ] && ip addr flush dev "$1"
    return 0
}

case "${reason:-}:${1:-}" in
    PREINIT:*)
        ip link set dev "$interface" up
        ;;
    BOUND:* | REBOOT:* | RENEW:* | REBIND:*)
        luna_drop_old "$interface" "${old_ip_address:-}" "$new_ip_address"
        luna_apply_lease "$interface" "$new_ip_address" "$(luna_mask_to_prefix "$new_subnet_mask")" \
            "${new_routers:-}" "${new_domain_name_servers:-}" || exit 1
        ;;
    EXPIRE:* | FAIL:* | RELEASE:* | STOP:* | :deconfig)
        ip addr flush dev "$interface"
        ;;
    :bound | :renew)
        luna_apply_lease "$interface" "$ip" "${mask:-$(luna_mask_to_prefix "$subnet")}" \
            "${router:-}" "${dns:-}" || exit 1
        ;;
esac
exit 0

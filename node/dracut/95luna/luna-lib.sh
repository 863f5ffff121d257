#!/bin/sh
# Luna installer, shared functions: log lines and the parser of the luna.* kernel arguments.
# POSIX sh: the initramfs /bin/sh may be dash, bash or busybox. Pure: the command line is read
# only through dracut's `getarg` (dracut.cmdline(7), last occurrence wins), so tests source
# this file with a stub getarg. Hooks are sourced by dracut's init in one shell, so every
# variable here is _luna_-prefixed to stay out of dracut's way.

luna_log() {
    echo "luna: $*" >&2
}

# Logs and stops the boot through dracut's die (dracut-lib.sh): with rd.shell it opens a
# shell, otherwise the machine halts (systemd) or init exits (kernel panic; add panic=N to the
# group's kernel options to have such a node reboot and try again from PXE).
luna_fatal() {
    luna_log "FATAL: $*"
    die "luna: $*"
}

# $1 single-quoted for a shell assignment; a ' inside becomes '\''.
luna_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# 0 when $1 is a decimal 0..$2 written without leading zeros (010 is not 10 for everyone).
luna_valid_num() {
    case "$1" in
        '' | *[!0-9]* | 0?* | ????*) return 1 ;;
    esac
    [ "$1" -le "$2" ]
}

# 0 when $1 is A.B.C.D/P (IPv4 with a prefix length), the form the daemon renders.
luna_valid_cidr() {
    case "$1" in
        */*) ;;
        *) return 1 ;;
    esac
    luna_valid_num "${1#*/}" 32 || return 1
    _luna_rest="${1%/*}."
    _luna_n=0
    while [ -n "$_luna_rest" ]; do
        luna_valid_num "${_luna_rest%%.*}" 255 || return 1
        _luna_rest=${_luna_rest#*.}
        _luna_n=$((_luna_n + 1))
    done
    [ "$_luna_n" -eq 4 ]
}

# Prints MAC $1 in the form sysfs uses (lower case, ':'), or fails. 6 octets for Ethernet, up
# to 20 for InfiniBand.
luna_norm_mac() {
    _luna_mac=$(printf '%s' "$1" | tr 'ABCDEF-' 'abcdef:')
    _luna_rest="$_luna_mac:"
    _luna_n=0
    while [ -n "$_luna_rest" ]; do
        case "${_luna_rest%%:*}" in
            [0-9a-f][0-9a-f]) ;;
            *) return 1 ;;
        esac
        _luna_rest=${_luna_rest#*:}
        _luna_n=$((_luna_n + 1))
    done
    [ "$_luna_n" -ge 6 ] && [ "$_luna_n" -le 20 ] || return 1
    printf '%s' "$_luna_mac"
}

# Host and node names: letters, digits, '.', '-' and '_', not starting with '.' or '-'. The
# node name goes into the install URL's query, so nothing that would need escaping.
luna_valid_name() {
    case "$1" in
        '' | [-.]* | *[!A-Za-z0-9._-]*) return 1 ;;
    esac
    [ "${#1}" -le 253 ]
}

# luna.service: 1/yes/on/true or 0/no/off/false (empty = 0), printed as 1 or 0.
luna_norm_bool() {
    case "$1" in
        1 | y | yes | on | true) echo 1 ;;
        '' | 0 | n | no | off | false) echo 0 ;;
        *) return 1 ;;
    esac
}

# Reads the luna.* arguments into _luna_* variables.
luna_read_args() {
    _luna_url=$(getarg luna.url=)
    _luna_node=$(getarg luna.node=)
    _luna_hostname=$(getarg luna.hostname=)
    _luna_mac=$(getarg luna.mac=)
    _luna_ip=$(getarg luna.ip=)
    _luna_proto=$(getarg luna.bootproto=)
    _luna_service=$(getarg luna.service=)
    _luna_token=$(getarg luna.token=)
}

# Checks and normalises the _luna_* variables; one clear message per problem.
luna_check_args() {
    case "$_luna_url" in
        '')
            luna_log "root=luna needs luna.url= (the daemon's /luna URL) on the kernel command line"
            return 1
            ;;
        http://?* | https://?*) ;;
        *)
            luna_log "luna.url must be an http:// or https:// URL, not '$_luna_url'"
            return 1
            ;;
    esac
    if [ -z "$_luna_node" ]; then
        luna_log "root=luna needs luna.node= (this node's name) on the kernel command line"
        return 1
    fi
    luna_valid_name "$_luna_node" || {
        luna_log "luna.node is not a valid node name: '$_luna_node'"
        return 1
    }
    : "${_luna_hostname:=$_luna_node}"
    luna_valid_name "$_luna_hostname" || {
        luna_log "luna.hostname is not a valid host name: '$_luna_hostname'"
        return 1
    }
    if [ -n "$_luna_mac" ]; then
        _luna_m=$(luna_norm_mac "$_luna_mac") || {
            luna_log "luna.mac is not a MAC address: '$_luna_mac'"
            return 1
        }
        _luna_mac=$_luna_m
    fi
    if [ -n "$_luna_ip" ] && ! luna_valid_cidr "$_luna_ip"; then
        luna_log "luna.ip must be ADDRESS/PREFIX such as 10.30.0.1/16, not '$_luna_ip'"
        return 1
    fi
    case "$_luna_token" in
        '' | *[!0-9a-f]*)
            [ -z "$_luna_token" ] || {
                luna_log "luna.token must be lower-case hex, not '$_luna_token'"
                return 1
            }
            ;;
    esac
    luna_check_proto || return 1
    _luna_s=$(luna_norm_bool "$_luna_service") || {
        luna_log "luna.service must be 0 or 1, not '$_luna_service'"
        return 1
    }
    _luna_service=$_luna_s
}

# luna.bootproto: static (needs luna.ip) or dhcp; without it, static when luna.ip is given.
luna_check_proto() {
    if [ -z "$_luna_proto" ]; then
        if [ -n "$_luna_ip" ]; then _luna_proto=static; else _luna_proto=dhcp; fi
    fi
    case "$_luna_proto" in
        dhcp) ;;
        static)
            [ -n "$_luna_ip" ] || {
                luna_log "luna.bootproto=static needs luna.ip=ADDRESS/PREFIX"
                return 1
            }
            ;;
        *)
            luna_log "luna.bootproto must be static or dhcp, not '$_luna_proto'"
            return 1
            ;;
    esac
}

# Prints the settings as `export LUNA_X='value'` lines (the env file the loader sources).
luna_print_env() {
    for _luna_kv in "URL=$_luna_url" "NODE=$_luna_node" "HOSTNAME=$_luna_hostname" "MAC=$_luna_mac" \
        "IP=$_luna_ip" "BOOTPROTO=$_luna_proto" "SERVICE=$_luna_service" "TOKEN=$_luna_token"; do
        printf 'export LUNA_%s=%s\n' "${_luna_kv%%=*}" "$(luna_quote "${_luna_kv#*=}")"
    done
}

# The parser. Status 0: printed the env lines. 1: root=luna with missing or bad luna.*
# arguments (the reason is on stderr). 2: not a Luna boot (root= is something else), so the
# module stays out of the way and the initramfs boots like any other.
luna_parse_cmdline() {
    [ "$(getarg root=)" = luna ] || return 2
    luna_read_args
    luna_check_args || return 1
    luna_print_env
}

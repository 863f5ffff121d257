#!/bin/sh
# mount hook: network up, fetch the node's install script, run it. The script mounts /sysroot
# (partscript) and fills it; dracut then switches root. luna.service=1 opens a shell instead.
[ -f /tmp/luna.env ] || return 0
# shellcheck source=luna-lib.sh
. /lib/luna-lib.sh
# shellcheck disable=SC1091
. /tmp/luna.env
export LUNA_URL LUNA_NODE LUNA_HOSTNAME LUNA_MAC
luna_net_up || die "luna: the boot interface did not come up"
if [ "$LUNA_SERVICE" = 1 ]; then
    luna_log "service mode: dropping to a shell (exit to continue)"
    emergency_shell -n luna "Luna service mode"
    return 0
fi
luna_install || die "luna: install of $LUNA_NODE failed"
luna_log "install finished; switching to the installed system"

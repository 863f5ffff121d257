#!/bin/sh
# dracut pre-pivot hook, priority 90: the last look before switch_root (dracut.bootup(7),
# https://man7.org/linux/man-pages/man7/dracut.bootup.7.html). Priority 90 lets other
# pre-pivot hooks (98usrmount mounts /usr from the new fstab at 50) go first.
# 1. /sysroot must look like a root file system (an /etc, a /usr, an init); otherwise the
#    daemon is told (status install.error.root) and the boot stops with the reason, instead
#    of dracut's later and vaguer "Cannot find init!".
# 2. The boot interface is handed over clean: DHCP client stopped, addresses flushed.
# Sourced by dracut; only on a Luna boot.

[ -f /tmp/luna.env ] || return 0

# shellcheck source=luna-lib.sh
. /lib/luna-lib.sh
# shellcheck source=luna-net-lib.sh
. /lib/luna-net-lib.sh
# shellcheck source=luna-install-lib.sh
. /lib/luna-install-lib.sh
# shellcheck disable=SC1091  # written by the cmdline hook
. /tmp/luna.env

if ! _luna_why=$(luna_root_problem "${NEWROOT:-/sysroot}"); then
    luna_report install.error.root
    luna_fatal "${NEWROOT:-/sysroot} is not a usable root ($_luna_why): the image or the partscript is incomplete"
fi
luna_net_down

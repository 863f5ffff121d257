#!/bin/sh
# dracut pre-mount hook, priority 90: the Luna installer proper. Brings up the boot
# interface, fetches this node's install script from the daemon and runs it; the script's
# partscript mounts the target on /sysroot and the image is unpacked into it.
#
# Why pre-mount (dracut.bootup(7), https://man7.org/linux/man-pages/man7/dracut.bootup.7.html;
# dracut-pre-mount.service(8)):
# - it runs once, after udev has settled and the initqueue has finished (NIC drivers are
#   loaded), and before anything tries to mount the root: in the shell init (99base/init.sh)
#   the mount hooks come next and see /sysroot already mounted; in a systemd initramfs
#   dracut-pre-mount.service is ordered Before=sysroot.mount, and systemd-fstab-generator
#   does make a sysroot.mount for root=luna, which then finds /sysroot mounted and is done.
# - not a mount hook: those are sourced up to 21 times in a loop, and under systemd they run
#   After=initrd-root-fs.target, i.e. after sysroot.mount has already failed on "luna".
# - not initqueue/finished (luna 1.2's choice): finished hooks are completion tests, sourced
#   again and again until all succeed; a many-minute install does not belong in one.
# Sourced by dracut (getarg, die, emergency_shell come from dracut-lib.sh); only `return`,
# never `exit`, at this level: in the shell init that would end PID 1.

[ -f /tmp/luna.env ] || return 0

# shellcheck source=luna-lib.sh
. /lib/luna-lib.sh
# shellcheck source=luna-net-lib.sh
. /lib/luna-net-lib.sh
# shellcheck source=luna-install-lib.sh
. /lib/luna-install-lib.sh
# shellcheck disable=SC1091  # written by the cmdline hook
. /tmp/luna.env
export LUNA_ROOT="${NEWROOT:-/sysroot}"

# luna.service=1: a shell on the console with the network up, for repairs; whatever is
# mounted on /sysroot when it exits is booted.
luna_service_shell() {
    luna_log "service mode (luna.service=1): no install; exit the shell to boot what is mounted on $LUNA_ROOT"
    emergency_shell -n luna "Luna service mode for $LUNA_NODE"
    luna_is_mounted "$LUNA_ROOT" || luna_fatal "service mode ended with nothing mounted on $LUNA_ROOT"
}

luna_loader() {
    luna_log "installer for $LUNA_NODE, daemon $LUNA_URL"
    luna_net_up_retry || luna_fatal "no boot interface came up for $LUNA_NODE; the daemon cannot be reached"
    if [ "$LUNA_SERVICE" = 1 ]; then
        luna_service_shell
        return
    fi
    luna_install || luna_fatal "the install of $LUNA_NODE failed (see the lines above and 'luna node status')"
    luna_ensure_root_mounted || luna_fatal "cannot mount $LUNA_ROOT for switch_root"
    luna_log "install finished; booting the installed system"
}

luna_loader

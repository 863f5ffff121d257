#!/bin/sh
# dracut cmdline hook, priority 05. With root=luna there is no root device: the install
# script creates the root on /sysroot later. dracut checks `root` and `rootok` right after
# the cmdline hooks and dies with "No or empty root= argument" / "Don't know how to handle
# 'root=luna'" otherwise (99base/init.sh, 98dracut-systemd/dracut-cmdline.sh), so this hook
# sets rootok=1; priority 05 puts it before every other module's cmdline parser, which all
# run before pre-udev (hooks: dracut.bootup(7), https://man7.org/linux/man-pages/man7/dracut.bootup.7.html).
# netroot is left unset on purpose: setting it would make dracut's network modules look for
# a netroot handler for "luna". The luna.* settings go to /tmp/luna.env for the pre-mount
# hook, which runs in another process when the initramfs is systemd-based.
# Sourced by dracut (getarg, die come from dracut-lib.sh).

# shellcheck source=luna-lib.sh
. /lib/luna-lib.sh

luna_parse_cmdline > /tmp/luna.env.new
_luna_rc=$?
case "$_luna_rc" in
    0)
        mv -f /tmp/luna.env.new /tmp/luna.env
        # shellcheck disable=SC2034  # read by dracut right after the cmdline hooks
        root=luna
        # shellcheck disable=SC2034
        rootok=1
        ;;
    2)
        rm -f /tmp/luna.env.new /tmp/luna.env
        ;;
    *)
        rm -f /tmp/luna.env.new /tmp/luna.env
        luna_fatal "bad luna.* kernel arguments (see the line above); fix the node's or group's settings"
        ;;
esac
unset _luna_rc

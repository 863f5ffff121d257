#!/bin/bash
# Luna dracut module: turns the initramfs into Luna's network installer. With root=luna on the
# kernel command line, the cmdline hook accepts "no root device", and the mount hook brings up
# the boot interface, fetches the node's install script from the head node and runs it; the
# script mounts and fills /sysroot, and dracut switches root into it.
# dracut module API: https://github.com/dracutdevs/dracut/blob/master/docs/HACKING.md
# shellcheck disable=SC2154  # moddir is set by dracut when it sources this file

# Only when asked for (-m luna / --add luna): never pulled into a host's own initramfs.
check() {
    return 255
}

# No dependency on dracut's network modules: Luna brings the boot interface up itself with
# `ip` (luna.ip on the NIC whose MAC is luna.mac), falling back to a DHCP client if present.
depends() {
    return 0
}

installkernel() {
    # Every NIC driver, since the installer must reach the head node from any hardware.
    instmods "=drivers/net" af_packet
}

install() {
    local tool
    for tool in aria2c curl; do
        if ! find_binary "$tool" >/dev/null; then
            derror "luna: '$tool' is not installed in the image; install it (Debian/RHEL package: ${tool/aria2c/aria2}) and pack again"
            return 1
        fi
    done
    inst_multiple bash curl aria2c tar zstd gzip ip sed awk tr cut sort sleep mkdir mount umount rm cat chmod touch kill
    inst_multiple -o ipmitool modprobe dhclient udhcpc parted partx mkfs.ext4 mkfs.xfs blkdiscard wipefs setcap sha256sum
    inst_simple "$moddir/luna-lib.sh" /lib/luna-lib.sh
    # cmdline at 05: later cmdline hooks (and dracut itself) die on root=luna unless rootok is set.
    inst_hook cmdline 05 "$moddir/luna-parse-cmdline.sh"
    # mount hooks are where dracut expects /sysroot to get mounted; the install script does that.
    inst_hook mount 90 "$moddir/luna-loader.sh"
}

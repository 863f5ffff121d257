#!/bin/bash
# The 95luna dracut module: turns an initramfs into Luna's network installer. With root=luna
# on the kernel command line, the cmdline hook tells dracut the root is taken care of, the
# pre-mount hook brings up the boot interface, fetches this node's install script from the
# daemon and runs it (it mounts and fills /sysroot), and the pre-pivot hook checks the result
# and frees the interface; dracut then switches root. Without root=luna the hooks do nothing.
# Module API: dracut.modules(7), https://man7.org/linux/man-pages/man7/dracut.modules.7.html
# Sourced by dracut (bash), which provides find_binary, inst_*, instmods, derror, $moddir.
# shellcheck disable=SC2154  # moddir, no_kernel are set by dracut

# Only when asked for (-m/--add luna, as `luna osimage pack` does): never in a host's own
# initramfs just because the module is installed.
check() {
    return 255
}

luna_have() {
    local tool
    for tool in "$@"; do
        find_binary "$tool" > /dev/null 2>&1 || return 1
    done
}

# dracut_module_path prints its glob even when nothing matches, hence the -d.
luna_dracut_has() {
    [[ -d $(dracut_module_path "$1") ]]
}

# A module we depend on whose check() fails makes dracut refuse ours, so network-legacy and
# the old network module are named only when their own required binaries are there.
luna_legacy_ok() {
    luna_have ip dhclient sed awk grep pgrep tr expr && { luna_have arping || luna_have arping2; }
}

# dracut's network modules, whichever this dracut offers (the loader itself needs only `ip`
# and a DHCP client, see luna-net-lib.sh):
# - dracut >= 050 splits them: "network" is a meta module (net-lib.sh, which the handlers'
#   hooks source, plus kernel-network-modules for NIC drivers) that takes as handler a module
#   already in the list, else whatever the image suggests. We name network-legacy (dhclient)
#   first so it is the one; without its binaries we name only kernel-network-modules: the
#   other handlers (NetworkManager, systemd-networkd) pull a systemd + D-Bus initramfs and
#   configure interfaces only from ip=, which Luna does not pass.
# - older dracut has one "network" module: the legacy stack with NIC drivers and dhclient.
# - Debian's dracut-core alone has none: our installkernel adds the NIC drivers.
depends() {
    if luna_dracut_has network-legacy; then
        if luna_dracut_has network && luna_legacy_ok; then
            echo -n "network-legacy network "
        elif luna_dracut_has kernel-network-modules; then
            echo -n "kernel-network-modules "
        fi
    elif luna_dracut_has network && ! luna_dracut_has kernel-network-modules && luna_legacy_ok; then
        echo -n "network "
    elif luna_dracut_has kernel-network-modules; then
        echo -n "kernel-network-modules "
    fi
    return 0
}

# NIC drivers whatever dracut's network modules are (the same selection as dracut's
# kernel-network-modules: wired drivers, found by the symbols they use), the virtio PCI bus
# that virtio_net sits on (otherwise only dracut's qemu or kernel-modules modules add it, and
# a VM then boots with no interface), and the IPMI drivers the install script's ipmitool needs.
installkernel() {
    if declare -F dracut_instmods > /dev/null; then
        dracut_instmods -o -P ".*/(wireless|isdn|uwb)/.*" \
            -s "eth_type_trans|register_virtio_device|usbnet_open" "=drivers/net"
    else
        hostonly='' instmods "=drivers/net"
    fi
    hostonly='' instmods af_packet virtio_pci virtio_net ipmi_msghandler ipmi_devintf ipmi_si
}

# aria2c downloads the image, curl talks to the daemon, bash runs the install script, tar and
# zstd unpack: an initramfs without one of them cannot install anything, so the build fails
# here rather than every node at boot. `exit`, because dracut ignores install()'s status
# (dracut-init.sh module_install); dracut's EXIT trap removes its temporary folder.
luna_require() {
    local tool package
    for tool in "$@"; do
        luna_have "$tool" && continue
        package=$tool
        [[ $tool == aria2c ]] && package=aria2
        derror "luna: '$tool' is not installed in the image, and the Luna installer needs it; install it in the image (package '$package' on Debian and RHEL) and pack again"
        exit 1
    done
}

install() {
    luna_require aria2c curl bash tar zstd
    inst_multiple bash curl aria2c tar zstd gzip ip awk sed tr od cut sort sleep mkdir \
        mount umount rm cat mv ln chmod kill
    # What install scripts and partscripts commonly call, when the image has it.
    inst_multiple -o ipmitool modprobe parted partx sfdisk sgdisk wipefs blkdiscard \
        mkfs.ext2 mkfs.ext3 mkfs.ext4 mke2fs mkfs.xfs mkfs.btrfs mkfs.vfat mkswap findmnt \
        lsblk blockdev mdadm xz bzip2 pigz sha256sum setcap hostname dd \
        dhclient udhcpc busybox /usr/lib/klibc/bin/ipconfig
    # TLS trust for an https luna.url.
    inst_multiple -o /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt
    inst_simple "$moddir/luna-lib.sh" /lib/luna-lib.sh
    inst_simple "$moddir/luna-net-lib.sh" /lib/luna-net-lib.sh
    inst_simple "$moddir/luna-install-lib.sh" /lib/luna-install-lib.sh
    inst_script "$moddir/luna-dhcp-script.sh" /sbin/luna-dhcp-script
    # dhclient skips a script it cannot execute without a word, and the node gets no address.
    chmod 0755 "$initdir/sbin/luna-dhcp-script"
    # cmdline at 05: dracut dies on root=luna right after the cmdline hooks unless rootok is
    # set by then (and at pre-udev it already has).
    inst_hook cmdline 05 "$moddir/luna-parse-cmdline.sh"
    # pre-mount: after udev and the initqueue, before any root mount; see luna-loader.sh.
    inst_hook pre-mount 90 "$moddir/luna-loader.sh"
    inst_hook pre-pivot 90 "$moddir/luna-pre-pivot.sh"
}

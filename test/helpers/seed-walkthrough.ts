/**
 * The seed README's "Create cluster config" and "Add node" sections as one bash script (only
 * the image path is the caller's): test/e2e/seed-walkthrough.test.ts proves it runs verbatim,
 * and other end-to-end tests start from the cluster it makes.
 */
export const SEED = (image: string) => `set -e
luna cluster init
luna cluster change --frontend_address 10.30.255.254
luna osimage add -n compute -p ${image}
luna bmcsetup add -n base
luna network add -n cluster -N 10.30.0.0 -P 16
luna network add -n ipmi -N 10.31.0.0 -P 16
luna switch add -n switch01 --oid .1.3.6.1.2.1.17.7.1.2.2.1.2 --ip 10.31.253.21
luna group add -n compute -i enp7s0 -o compute
luna group change -n compute -b base
luna group change -n compute --boot_if enp7s0
luna group change -n compute --interface enp7s0 --setnet cluster
echo -e "DEVICE=enp0s3\\nONBOOT=yes" | luna group change  --name compute --interface enp7s0 -e
luna group change -n compute --bmcnetwork --setnet ipmi
cat << EOF | luna group change -n compute  --post -e
mount -o bind /proc /sysroot/proc
mount -o bind /dev /sysroot/dev
chroot /sysroot /bin/bash -c "/usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg; /usr/sbin/grub2-install /dev/sda"
umount /sysroot/dev
umount /sysroot/proc
EOF
luna node add -g compute
luna node change -n node001 -s switch01
luna node change -n node001 -p 1
luna node change -n node001 --localboot y
luna node change -n node001 --service y
luna node change -n node001 --setupbmc n
`;

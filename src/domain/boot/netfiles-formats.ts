/**
 * The text of each network file format, from the per-interface facts netfiles.ts works out.
 * References: nm-settings-keyfile(5), systemd.network(5) and systemd.netdev(5), interfaces(5)
 * with ifenslave's bond-* options, and initscripts' sysconfig.txt (ifcfg, also read by
 * NetworkManager's ifcfg-rh plugin). Golden files in test/fixtures/netfiles show the output.
 */
import type { NetFile, NetIface } from "./netfiles.ts";

const lines = (...parts: (string | false | undefined)[]): string =>
  parts.filter((p): p is string => typeof p === "string").join("");

const file = (path: string, text: string, mode: NetFile["mode"] = "644"): NetFile => ({ path, mode, text });

function nm(i: NetIface): NetFile[] {
  const { data, link } = { data: i.data, link: i.data.link };
  const type = link.kind;
  // VLANs and bonds take their MTU from the wired setting; IPoIB always names its transport.
  const hw =
    type === "infiniband"
      ? lines(
          "[infiniband]\n",
          i.mtu && `mtu=${i.mtu}\n`,
          `transport-mode=${i.connected ? "connected" : "datagram"}\n`,
          "\n",
        )
      : i.mac || i.mtu
        ? lines("[ethernet]\n", i.mac && `mac-address=${i.mac}\n`, i.mtu && `mtu=${i.mtu}\n`, "\n")
        : "";
  const ip =
    i.ip === "member"
      ? ""
      : lines(
          "[ipv4]\n",
          data.ip4
            ? `method=manual\naddress1=${data.ip4}/${data.prefix4}\n`
            : `method=${i.ip === "dhcp" ? "auto" : "disabled"}\n`,
          "\n[ipv6]\n",
          data.ip6 ? `method=manual\naddress1=${data.ip6}/${data.prefix6}\n` : "method=ignore\n",
        );
  const text = lines(
    `[connection]\nid=${i.name}\ntype=${type}\ninterface-name=${i.name}\n`,
    i.master && `master=${i.master}\nslave-type=bond\n`,
    "\n",
    hw,
    link.kind === "vlan" && `[vlan]\nid=${link.id}\nparent=${i.parent}\n\n`,
    link.kind === "bond" && `[bond]\nmode=${link.mode}\n\n`,
    ip,
  );
  return [
    file(`/etc/NetworkManager/system-connections/${i.name}.nmconnection`, text.replace(/\n\n$/, "\n"), "600"),
  ];
}

function networkd(i: NetIface): NetFile[] {
  const { data } = i;
  const { link } = data;
  const base = `/etc/systemd/network/10-luna-${i.name}`;
  const out: NetFile[] = [];
  if (link.kind === "vlan")
    out.push(file(`${base}.netdev`, `[NetDev]\nName=${i.name}\nKind=vlan\n\n[VLAN]\nId=${link.id}\n`));
  if (link.kind === "bond")
    out.push(file(`${base}.netdev`, `[NetDev]\nName=${i.name}\nKind=bond\n\n[Bond]\nMode=${link.mode}\n`));
  const text = lines(
    `[Match]\nName=${i.name}\n`,
    i.mac && `MACAddress=${i.mac}\n`,
    i.mtu && `\n[Link]\nMTUBytes=${i.mtu}\n`,
    "\n[Network]\n",
    i.master && `Bond=${i.master}\n`,
    ...i.vlans.map((v) => `VLAN=${v}\n`),
    data.ip4 ? `Address=${data.ip4}/${data.prefix4}\n` : i.ip === "dhcp" && "DHCP=yes\n",
    data.ip6 && `Address=${data.ip6}/${data.prefix6}\n`,
  );
  out.push(file(`${base}.network`, text));
  return out;
}

/**
 * ifupdown makes a VLAN by itself only for a name PARENT.ID (iface-links.ts allows a dot in a
 * VLAN's name only so); any other name is created in pre-up. Bonds use ifenslave's options.
 * The file is named after the interface with dots as '_': `source-directory` (run-parts) skips
 * names with dots.
 */
function debian(i: NetIface): NetFile[] {
  const { data } = i;
  const { link } = data;
  const opts = lines(
    i.mtu && `    mtu ${i.mtu}\n`,
    i.connected && `    pre-up echo connected > /sys/class/net/${i.name}/mode\n`,
    link.kind === "vlan" &&
      i.name !== `${i.parent}.${link.id}` &&
      `    pre-up ip link add link ${i.parent} name ${i.name} type vlan id ${link.id}\n    post-down ip link delete ${i.name}\n`,
    link.kind === "bond" && `    bond-slaves ${i.members.join(" ")}\n    bond-mode ${link.mode}\n`,
  );
  const v4 =
    i.ip === "member" || i.ip === "link"
      ? `iface ${i.name} inet manual\n`
      : data.ip4
        ? `iface ${i.name} inet static\n    address ${data.ip4}/${data.prefix4}\n`
        : `iface ${i.name} inet dhcp\n`;
  const text = lines(
    // A bond's members are brought up by the bond (ifenslave), not on their own.
    i.ip !== "member" && `auto ${i.name}\n`,
    v4,
    opts,
    data.ip6 && `iface ${i.name} inet6 static\n    address ${data.ip6}/${data.prefix6}\n`,
  );
  return [file(`/etc/network/interfaces.d/${i.name.replaceAll(".", "_")}`, text)];
}

function ifcfg(i: NetIface): NetFile[] {
  const { data } = i;
  const { link } = data;
  const params = data.params;
  const text = lines(
    `DEVICE=${i.name}\nNAME=${i.name}\nONBOOT=yes\n`,
    link.kind === "infiniband" && "TYPE=InfiniBand\n",
    link.kind === "vlan" && `TYPE=Vlan\nVLAN=yes\nPHYSDEV=${i.parent}\nVLAN_ID=${link.id}\n`,
    link.kind === "bond" && `TYPE=Bond\nBONDING_MASTER=yes\nBONDING_OPTS="mode=${link.mode}"\n`,
    i.master && `MASTER=${i.master}\nSLAVE=yes\n`,
    i.mac && `HWADDR=${i.mac}\n`,
    i.connected && !/^CONNECTED_MODE=/m.test(params) && "CONNECTED_MODE=yes\n",
    data.ip4
      ? `BOOTPROTO=none\nIPADDR=${data.ip4}\nPREFIX=${data.prefix4}\nNETMASK=${data.netmask4}\n`
      : (i.ip === "member" || i.ip === "link") && "BOOTPROTO=none\n",
    data.ip6 && `IPV6INIT=yes\nIPV6ADDR=${data.ip6}/${data.prefix6}\n`,
    params && `${params}\n`,
  );
  return [file(`/etc/sysconfig/network-scripts/ifcfg-${i.name}`, text)];
}

export const FORMATS = { nm, networkd, debian, ifcfg } as const;

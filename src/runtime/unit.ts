/**
 * The systemd unit for the daemon (`luna self-install`, `luna daemon install-unit`). The daemon
 * runs as the `luna` system user, never as root: local users of the head node are not root,
 * and a flaw in a node-facing route must not hand out the head node.
 *
 * What the daemon needs, and so all it gets: read access to the config, /opt/luna/{boot,torrents}
 * (world-readable, written by `osimage pack` as root) and the image trees; write access to the
 * store in /var/lib/luna (StateDirectory: systemd creates it owned by luna, and under
 * ProtectSystem=strict it is the only writable place besides /run/luna and /var/log/luna);
 * /run/luna (RuntimeDirectory, 0700) for the aria2c seeder's config while aria2c starts (see
 * src/torrent/aria2.ts); sockets (HTTP on 7050, BitTorrent, SNMP, MongoDB). No capability is
 * needed for those; CAP_NET_BIND_SERVICE is kept so daemon.port (or a TFTP service on 69) can
 * be below 1024. Not set, on purpose: MemoryDenyWriteExecute (JavaScriptCore's JIT writes
 * code) and SystemCallFilter (not verified against Bun; a missed call kills the daemon).
 * A store elsewhere than /var/lib/luna needs `ReadWritePaths=` in a drop-in (systemctl edit luna).
 */
export const LUNA_USER = "luna";

export function renderUnit(opts: { exec: string; config?: string }): string {
  return `[Unit]
Description=Luna cluster provisioning daemon (boot server, tracker, seeder)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${LUNA_USER}
Group=${LUNA_USER}
ExecStart=${opts.exec} daemon
${opts.config ? `Environment=LUNA_CONFIG=${opts.config}\n` : ""}Restart=on-failure
RestartSec=2
# The daemon stops its services in order on SIGTERM.
KillSignal=SIGTERM
TimeoutStopSec=30
LimitNOFILE=65536
# The store (/var/lib/luna), aria2c's config while it starts (/run/luna), logs (/var/log/luna).
StateDirectory=luna
StateDirectoryMode=0750
RuntimeDirectory=luna
RuntimeDirectoryMode=0700
LogsDirectory=luna
LogsDirectoryMode=0750
UMask=0027
# Only for a port below 1024 (daemon.port, TFTP); 7050 needs no privilege.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
ProtectProc=invisible
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}

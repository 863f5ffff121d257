/** The systemd unit for the daemon (`luna daemon install-unit`). */
export function renderUnit(opts: { exec: string; config?: string }): string {
  return `[Unit]
Description=Luna cluster provisioning daemon (boot server, tracker, seeder)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${opts.exec} daemon
${opts.config ? `Environment=LUNA_CONFIG=${opts.config}\n` : ""}Restart=on-failure
RestartSec=2
# The daemon stops its services in order on SIGTERM.
KillSignal=SIGTERM
TimeoutStopSec=30
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}

// Luna stub: no IP blocklists (the real package pulls ip-set, whose preinstall insists on pnpm).
export default function loadIPSet(_input, _opts, cb) {
  (typeof _opts === "function" ? _opts : cb)(new Error("IP blocklists are not supported in luna"));
}

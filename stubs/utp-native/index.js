// Luna stub: uTP is never used on a cluster LAN (webtorrent checks for an empty module).
module.exports = {};

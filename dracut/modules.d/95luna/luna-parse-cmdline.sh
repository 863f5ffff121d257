#!/bin/sh
# cmdline hook (priority 05): with root=luna, tell dracut the root is handled (rootok=1) and
# keep the luna.* arguments for the mount hook in /tmp/luna.env.
# shellcheck source=luna-lib.sh
. /lib/luna-lib.sh
if luna_parse > /tmp/luna.env; then
    # shellcheck disable=SC2034  # rootok and root are read by dracut after this hook
    rootok=1
    # shellcheck disable=SC2034
    root=luna
elif [ $? -eq 1 ]; then
    die "luna: bad luna.* kernel arguments (see above)"
else
    rm -f /tmp/luna.env
fi

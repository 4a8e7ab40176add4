# as-host.sh DIR COMMAND...: run COMMAND as the host described in DIR
# (its hostname, machine-id and boot-id files).  Run it inside new UTS and
# mount namespaces (unshare -u -m /bin/sh as-host.sh DIR ...): the host's
# identity is bind-mounted over this machine's for COMMAND alone.
set -e
d=$1
shift
mount --make-rprivate /
hostname "$(cat "$d/hostname")"
mount --bind "$d/machine-id" /etc/machine-id
mount --bind "$d/boot-id" /proc/sys/kernel/random/boot_id
exec "$@"

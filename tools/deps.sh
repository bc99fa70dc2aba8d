#!/bin/sh
# Install the Debian packages ptdump needs to build and test itself.
# As root: installs what is missing with apt-get.  Otherwise: prints the
# exact apt-get line and fails, so nothing happens behind the user's back.
set -eu

PACKAGES="build-essential pkg-config qemu-system-x86 grub-pc-bin grub-common
xorriso mtools libreadline-dev libcmocka-dev libexpat1-dev libelf-dev gdb tmux
mandoc cpio libjansson-dev valgrind clang libclang-rt-14-dev chromium"

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get update && $line" >&2
	exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || exit 1
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || exit 1

/*
 * swapon(2) with a priority, which Debian's busybox swapon cannot give (no -p): used by
 * scripts/linux-oracle/boot.sh to set up the oracle's swap disks. No golden.
 * Usage: swapctl on DEVICE [PRIO] | off DEVICE
 */
#include "guestutil.h"
#include <sys/swap.h>

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(stderr, "usage: swapctl on DEVICE [PRIO] | off DEVICE\n");
		return 2;
	}
	int flags = 0;
	if (argc > 3)
		flags = SWAP_FLAG_PREFER | (atoi(argv[3]) & SWAP_FLAG_PRIO_MASK);
	int r = !strcmp(argv[1], "on") ? swapon(argv[2], flags) : swapoff(argv[2]);
	if (r) {
		fprintf(stderr, "swapctl: %s %s: %s\n", argv[1], argv[2], errname(errno));
		return 1;
	}
	return 0;
}

/*
 * Death by SIGBUS with the default action: a read of a file mapping one
 * page beyond the end of the (empty) file. Exit status 135.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	scratch_dir("die_bus");
	int fd = open(scratch_path("empty"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	printf("mapped an empty file: %s\n", mapfailname(p));
	unlink(scratch_path("empty"));
	rmdir(g_dir);
	printf("reading it\n");
	return p[0];
}

/*
 * SIGBUS for a file mapping beyond the end of the file: the partial last
 * page reads zeroes past EOF, whole pages beyond EOF raise SIGBUS
 * BUS_ADRERR; truncating a mapped file makes its mapped pages SIGBUS too.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	scratch_dir("sig_bus_eof");
	int fd = make_file(scratch_path("f"), PG + PG / 2);
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("map 4 pages of a 1.5-page file: %s\n", mapfailname(p));
	print_fault("read the last byte of the file", try_read(p + PG + PG / 2 - 1), p);
	printf("byte past EOF in the last page reads: %d\n", p[PG + PG / 2 + 10]);
	print_fault("write past EOF in the last page", try_write(p + PG + PG / 2 + 10, 'Q'), p);
	struct stat st;
	fstat(fd, &st);
	printf("file size unchanged: %ld\n", (long)st.st_size);
	print_fault("read the page after EOF", try_read(p + 2 * PG + 7), p);
	print_fault("write the page after EOF", try_write(p + 3 * PG, 1), p);
	ftruncate(fd, 3 * PG);
	print_fault("read page 2 after growing the file", try_read(p + 2 * PG + 7), p);
	ftruncate(fd, 100);
	print_fault("read page 1 after truncating to 100 bytes", try_read(p + PG), p);
	print_fault("read byte 200 of page 0", try_read(p + 200), p);
	char *q = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	print_fault("private mapping: read page 1", try_read(q + PG), q);
	scratch_done();
	return 0;
}

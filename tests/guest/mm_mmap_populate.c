/*
 * MAP_POPULATE prefaults at mmap time: touching the pages afterwards costs
 * no page faults. Counted with getrusage deltas (the prefaulting itself is
 * accounted as minor faults by the kernel's get_user_pages path).
 * Authoritative golden: both.
 */
#include "guestutil.h"

#define N 64

int main(void)
{
	guest_init();
	scratch_dir("mm_mmap_populate");
	long f0 = minflt();
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	long f1 = minflt();
	for (int i = 0; i < N; i++)
		p[i * PG] = 1;
	long f2 = minflt();
	printf("populated anon: faults during mmap %ld, faults touching %d pages %ld\n", f1 - f0, N, f2 - f1);
	printf("Rss of the mapping: %ld kB\n", smaps_kb(p, "Rss"));

	char *q = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f0 = minflt();
	for (int i = 0; i < N; i++)
		q[i * PG] = 1;
	f1 = minflt();
	printf("plain anon: faults touching %d pages %ld\n", N, f1 - f0);

	int fd = make_file(scratch_path("f"), N * PG);
	f0 = minflt();
	char *r = mmap(NULL, N * PG, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	f1 = minflt();
	long sum = 0, want = 0;
	for (int i = 0; i < N; i++)
		sum += r[i * PG];
	for (int i = 0; i < N; i++)
		want += 'a' + (i * PG) % 26;
	f2 = minflt();
	printf("populated file: faults touching %ld, sum ok: %s, Rss %ld kB\n", f2 - f1, sum == want ? "yes" : "no",
	       smaps_kb(r, "Rss"));
	(void)f0;
	char *w = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	f1 = minflt();
	for (int i = 0; i < N; i++)
		w[i * PG] = 1;
	f2 = minflt();
	printf("populated private writable file: faults writing %ld, Anonymous %ld kB\n", f2 - f1, smaps_kb(w, "Anonymous"));
	scratch_done();
	return 0;
}

/*
 * Threads (glibc's static pthreads over clone, futex and set_thread_area): four threads sum
 * an array, each with its own TLS, counting under a mutex and reporting through a condition
 * variable; pthread_join gets their results (the CLONE_CHILD_CLEARTID wake). getpid is the
 * process's in every thread, gettid each thread's own. Then a futex shared between two
 * processes over MAP_SHARED memory.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sys/wait.h>

#define N 4
#define LEN 200000

static int arr[LEN];
static long partial[N];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;
static long total;
static __thread int tls_id;
static pid_t main_pid;

static void *worker(void *arg)
{
	long id = (long)arg;
	tls_id = (int)id + 100;
	long s = 0;
	for (long i = id; i < LEN; i += N)
		s += arr[i];
	partial[id] = s;
	for (int k = 0; k < 500; k++) {
		pthread_mutex_lock(&mu);
		total++;
		pthread_mutex_unlock(&mu);
	}
	int same_pid = getpid() == main_pid;
	int own_tid = syscall(SYS_gettid) != main_pid;
	pthread_mutex_lock(&mu);
	done_count++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return (void *)(long)(tls_id * 100 + same_pid * 10 + own_tid);
}

static long futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

int main(void)
{
	guest_init();
	main_pid = getpid();
	for (int i = 0; i < LEN; i++)
		arr[i] = i % 1000;
	pthread_t th[N];
	for (long i = 0; i < N; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			printf("pthread_create failed\n");
	pthread_mutex_lock(&mu);
	while (done_count < N)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	long sum = 0;
	for (int i = 0; i < N; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		long v = (long)rv;
		printf("thread %d: partial %ld, tls %ld, same pid %ld, own tid %ld\n", i, partial[i],
		       v / 100, v / 10 % 10, v % 10);
		sum += partial[i];
	}
	printf("sum %ld, mutex count %ld, main tls %d\n", sum, total, tls_id);

	/* a futex in shared memory: the parent sleeps on it until the child wakes it */
	int *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*w = 0;
	pid_t c = fork();
	if (c == 0) {
		while (futex(w, FUTEX_WAKE, 1) == 0)
			; /* until the parent sleeps there */
		__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
		_exit(0);
	}
	long r = futex(w, FUTEX_WAIT, 0);
	int st;
	waitpid(c, &st, 0);
	printf("shared futex: wait returned %ld, word after the child %d\n", r, *w);
	printf("FUTEX_WAIT on a changed word: %s\n", errname(futex(w, FUTEX_WAIT, 0) < 0 ? errno : 0));
	printf("FUTEX_WAKE with nobody waiting: %ld\n", futex(w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 5));
	return 0;
}

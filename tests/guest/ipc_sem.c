/*
 * SysV semaphores (semget/semop/semtimedop/semctl): keys, IPC_STAT, the value commands
 * (SETVAL/GETVAL/SETALL/GETALL/GETPID), the operations' rules (IPC_NOWAIT, atomic
 * multi-operation calls, a semaphore repeated in one call, ERANGE, EFBIG, E2BIG), a
 * timeout, a parent/child ping-pong where both block, GETNCNT/GETZCNT of a blocked child,
 * SEM_UNDO applied at exit (and cleared by SETVAL), EIDRM for a sleeper when the set is
 * removed, EINTR for one a signal interrupts (with SA_RESTART too), the old semid_ds through ipc(2), the direct semctl and semtimedop_time64, the
 * limits (IPC_INFO, /proc/sys/kernel/sem) and /proc/sysvipc/sem. Ids and times differ from
 * run to run: only their relations are printed.
 */
#include "guestutil.h"

#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY 0x766d5301

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int op(int id, unsigned short num, short o, short flg)
{
	struct sembuf b = {num, o, flg};
	return semop(id, &b, 1);
}

static int getval(int id, int num)
{
	return semctl(id, num, GETVAL);
}

static void setval(int id, int num, int v)
{
	union semun u = {.val = v};
	if (semctl(id, num, SETVAL, u) == -1)
		printf("setval %d: %s\n", num, errname(errno));
}

/* Waits (a bounded number of short sleeps) until n tasks wait on the semaphore. */
static int wait_cnt(int id, int num, int cmd, int n)
{
	for (int i = 0; i < 2000; i++) {
		if (semctl(id, num, cmd) == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static void child_exit(pid_t pid, const char *label)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid %s\n", label, errname(errno));
	else
		printf("%s: exited %d\n", label, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void keys(void)
{
	report("semget private nsems=0", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
	report("semget nsems=32001", semget(IPC_PRIVATE, 32001, IPC_CREAT | 0600));
	report("semget nsems=-1", semget(IPC_PRIVATE, -1, IPC_CREAT | 0600));
	int id = semget(KEY, 2, IPC_CREAT | IPC_EXCL | 0640);
	report("semget key create", id);
	printf("same key again: %d\n", semget(KEY, 2, IPC_CREAT | 0600) == id);
	printf("same key nsems=0: %d\n", semget(KEY, 0, 0) == id);
	report("semget key excl", semget(KEY, 2, IPC_CREAT | IPC_EXCL | 0600));
	report("semget key more sems", semget(KEY, 3, 0));
	report("semget missing key", semget(KEY + 1, 1, 0));
	struct semid_ds ds;
	union semun u = {.buf = &ds};
	if (semctl(id, 0, IPC_STAT, u) == -1) {
		printf("IPC_STAT: %s\n", errname(errno));
	} else {
		printf("stat: key=%#x mode=%#o nsems=%lu uid=%u cuid=%u otime=%d ctime=%d\n",
		       (unsigned)ds.sem_perm.__key, (unsigned)ds.sem_perm.mode,
		       (unsigned long)ds.sem_nsems, (unsigned)ds.sem_perm.uid,
		       (unsigned)ds.sem_perm.cuid, ds.sem_otime != 0, ds.sem_ctime != 0);
	}
	ds.sem_perm.mode = 0600;
	report("IPC_SET", semctl(id, 0, IPC_SET, u));
	semctl(id, 0, IPC_STAT, u);
	printf("mode after IPC_SET: %#o\n", (unsigned)ds.sem_perm.mode);
	report("IPC_RMID", semctl(id, 0, IPC_RMID));
	report("IPC_RMID again", semctl(id, 0, IPC_RMID));
	report("GETVAL removed", semctl(id, 0, GETVAL));
	report("semop removed", op(id, 0, 1, 0));
	report("semctl bad cmd", semctl(0, 0, 99));
	report("semctl negative id", semctl(-1, 0, GETVAL));
}

static void values(int id)
{
	setval(id, 0, 5);
	printf("GETVAL: %d\n", getval(id, 0));
	printf("GETPID is me: %d\n", semctl(id, 0, GETPID) == getpid());
	union semun u = {.val = 32768};
	report("SETVAL 32768", semctl(id, 0, SETVAL, u));
	u.val = -1;
	report("SETVAL -1", semctl(id, 0, SETVAL, u));
	u.val = 1;
	report("SETVAL semnum 3", semctl(id, 3, SETVAL, u));
	report("GETVAL semnum 3", semctl(id, 3, GETVAL));
	report("GETVAL semnum -1", semctl(id, -1, GETVAL));
	unsigned short all[3] = {1, 2, 32767}, got[3] = {0};
	u.array = all;
	report("SETALL", semctl(id, 0, SETALL, u));
	u.array = got;
	report("GETALL", semctl(id, 0, GETALL, u));
	printf("GETALL: %u %u %u\n", got[0], got[1], got[2]);
	unsigned short bad[3] = {1, 40000, 0};
	u.array = bad;
	report("SETALL 40000", semctl(id, 0, SETALL, u));
	printf("after failed SETALL: %d %d %d\n", getval(id, 0), getval(id, 1), getval(id, 2));
	u.array = (unsigned short *)8;
	report("GETALL bad pointer", semctl(id, 0, GETALL, u));
}

static void ops(int id)
{
	unsigned short zero[3] = {0, 0, 0};
	union semun u = {.array = zero};
	semctl(id, 0, SETALL, u);
	report("P on 0 nowait", op(id, 0, -1, IPC_NOWAIT));
	report("V", op(id, 0, 2, 0));
	report("wait zero on 2 nowait", op(id, 0, 0, IPC_NOWAIT));
	report("wait zero on 0", op(id, 1, 0, 0));
	report("P by 2", op(id, 0, -2, 0));
	report("sem_num 3", op(id, 3, 1, 0));
	struct sembuf two[2] = {{0, 1, 0}, {1, -1, IPC_NOWAIT}};
	report("atomic pair blocks", semop(id, two, 2));
	printf("sem 0 untouched: %d\n", getval(id, 0));
	struct sembuf dup[2] = {{0, 1, 0}, {0, -1, 0}};
	report("same sem twice", semop(id, dup, 2));
	printf("sem 0 after +1-1: %d\n", getval(id, 0));
	report("nsops 0", semop(id, two, 0));
	static struct sembuf many[501];
	report("nsops 501", semop(id, many, 501));
	setval(id, 2, 32767);
	report("past SEMVMX", op(id, 2, 1, 0));
	report("bad sops pointer", semop(id, (struct sembuf *)8, 1));
	report("semop bad id", op(id + 1, 0, 1, 0));
	struct timespec ts = {0, 10 * 1000 * 1000};
	struct sembuf p = {0, -1, 0};
	report("semtimedop 10ms", semtimedop(id, &p, 1, &ts));
	struct timespec zero_ts = {0, 0};
	report("semtimedop 0", semtimedop(id, &p, 1, &zero_ts));
	struct timespec bad_ts = {0, 1000000000};
	report("semtimedop bad timeout", semtimedop(id, &p, 1, &bad_ts));
	struct semid_ds ds;
	u.buf = &ds;
	semctl(id, 0, IPC_STAT, u);
	printf("otime set: %d\n", ds.sem_otime != 0);
}

static void ping_pong(void)
{
	int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			if (op(id, 0, -1, 0) == -1)
				printf("child P: %s\n", errname(errno));
			printf("child round %d\n", i);
			op(id, 1, 1, 0);
		}
		_exit(0);
	}
	printf("child waits (ncnt): %d\n", wait_cnt(id, 0, GETNCNT, 1));
	printf("GETZCNT 0: %d\n", semctl(id, 0, GETZCNT));
	for (int i = 0; i < 3; i++) {
		op(id, 0, 1, 0);
		if (op(id, 1, -1, 0) == -1)
			printf("parent P: %s\n", errname(errno));
		printf("parent round %d\n", i);
	}
	child_exit(pid, "ping-pong child");
	printf("values: %d %d\n", getval(id, 0), getval(id, 1));

	/* a wait for zero */
	setval(id, 1, 1);
	pid = fork();
	if (pid == 0) {
		int r = op(id, 1, 0, 0);
		printf("child zero wait: %s\n", r ? errname(errno) : "ok");
		_exit(0);
	}
	printf("child waits (zcnt): %d\n", wait_cnt(id, 1, GETZCNT, 1));
	printf("GETNCNT 1: %d\n", semctl(id, 1, GETNCNT));
	op(id, 1, -1, 0);
	child_exit(pid, "zero child");
	semctl(id, 0, IPC_RMID);
}

static void undo(void)
{
	int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	setval(id, 0, 5);
	pid_t pid = fork();
	if (pid == 0) {
		op(id, 0, -2, SEM_UNDO);
		op(id, 1, 3, SEM_UNDO);
		printf("child before exit: %d %d\n", getval(id, 0), getval(id, 1));
		_exit(0);
	}
	child_exit(pid, "undo child");
	printf("after undo: %d %d\n", getval(id, 0), getval(id, 1));
	printf("GETPID is the child: %d\n", semctl(id, 0, GETPID) == pid);

	/* SETVAL clears the adjustment */
	pid = fork();
	if (pid == 0) {
		op(id, 0, 4, SEM_UNDO);
		setval(id, 0, 7);
		_exit(0);
	}
	child_exit(pid, "setval child");
	printf("after cleared undo: %d\n", getval(id, 0));

	/* an adjustment that would go negative is clamped at 0 */
	setval(id, 1, 0);
	pid = fork();
	if (pid == 0) {
		op(id, 1, 2, SEM_UNDO); /* value 2, adjustment -2 */
		op(id, 1, -2, 0);	/* value 0 */
		op(id, 1, 1, 0);	/* value 1: the adjustment takes it to -1, so 0 */
		_exit(0);
	}
	child_exit(pid, "clamp child");
	printf("clamped: %d\n", getval(id, 1));

	/* the adjustment is what the process did with SEM_UNDO, whatever else it did */
	setval(id, 0, 0);
	pid_t holder = fork();
	if (holder == 0) {
		op(id, 0, 1, SEM_UNDO); /* value 1, adjustment -1 */
		op(id, 0, -1, 0);	/* value 0: the adjustment will take it to -1, 0 */
		op(id, 0, 1, 0);	/* value 1 */
		_exit(0);
	}
	child_exit(holder, "holder");
	printf("after holder: %d\n", getval(id, 0));
	semctl(id, 0, IPC_RMID);
}

static void removed(void)
{
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	pid_t pid = fork();
	if (pid == 0) {
		int r = op(id, 0, -1, 0);
		printf("sleeper: %s\n", r ? errname(errno) : "ok");
		_exit(0);
	}
	printf("sleeper waits: %d\n", wait_cnt(id, 0, GETNCNT, 1));
	/* nothing printed until the sleeper is gone: it prints as it wakes */
	int r = semctl(id, 0, IPC_RMID);
	int e = errno;
	child_exit(pid, "sleeper");
	errno = e;
	report("IPC_RMID with a sleeper", r);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal ends a wait with EINTR, SA_RESTART or not: semop is never restarted. */
static void interrupted(void)
{
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {0};
		sa.sa_handler = on_alarm;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = {{0, 0}, {0, 20000}};
		setitimer(ITIMER_REAL, &it, NULL);
		int r = op(id, 0, -1, 0);
		printf("semop and SIGALRM%s: %s\n", restart ? " (SA_RESTART)" : "",
		       r ? errname(errno) : "ok");
	}
	printf("no waiter left: %d\n", semctl(id, 0, GETNCNT));
	signal(SIGALRM, SIG_DFL);
	semctl(id, 0, IPC_RMID);
}

static void old_layouts(void)
{
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0640);
	/* ipc(2) SEMCTL without IPC_64: the old struct semid_ds, 44 bytes */
	unsigned char old[64];
	memset(old, 0xee, sizeof old);
	union semun u = {.buf = (struct semid_ds *)old};
	long r = syscall(SYS_ipc, 3, id, 0, IPC_STAT, &u, 0);
	unsigned short mode, nsems;
	memcpy(&mode, old + 12, 2);
	memcpy(&nsems, old + 40, 2);
	printf("old IPC_STAT: %ld mode=%#o nsems=%u byte44=%#x\n", r, mode, nsems, old[44]);
	/* the direct semctl: always 64-bit, IPC_64 in cmd is unknown */
	struct semid_ds ds;
	errno = 0;
	r = syscall(394, id, 0, IPC_STAT, &ds);
	printf("direct semctl IPC_STAT: %ld nsems=%lu\n", r, (unsigned long)ds.sem_nsems);
	r = syscall(394, id, 0, IPC_STAT | 0x100, &ds);
	printf("direct semctl IPC_STAT|IPC_64: %s\n", r == -1 ? errname(errno) : "ok");
	/* semtimedop_time64 */
	struct sembuf b = {2, 1, 0};
	r = syscall(420, id, &b, 1, NULL);
	printf("semtimedop_time64: %ld val=%d\n", r, getval(id, 2));
	struct {
		long long s;
		long ns, pad;
	} t64 = {0, 5000000, 0};
	struct sembuf p = {0, -1, 0};
	r = syscall(420, id, &p, 1, &t64);
	printf("semtimedop_time64 timeout: %s\n", r == -1 ? errname(errno) : "ok");
	/* ipc(2) SEMTIMEDOP with the 32-bit timespec */
	struct timespec ts = {0, 5000000};
	r = syscall(SYS_ipc, 4, id, 1, 0, &p, &ts);
	printf("ipc SEMTIMEDOP timeout: %s\n", r == -1 ? errname(errno) : "ok");
	r = syscall(SYS_ipc, 1, id, 1, 0, &b, 0);
	printf("ipc SEMOP: %ld val=%d\n", r, getval(id, 2));
	report("ipc SEMCTL NULL ptr", syscall(SYS_ipc, 3, id, 0, GETVAL, 0, 0));
	semctl(id, 0, IPC_RMID);
}

static void limits(void)
{
	struct seminfo si;
	union semun u = {.__buf = &si};
	int r = semctl(0, 0, IPC_INFO, u);
	printf("IPC_INFO: %s semmap=%d semmni=%d semmns=%d semmnu=%d semmsl=%d semopm=%d "
	       "semume=%d semusz=%d semvmx=%d semaem=%d\n",
	       r >= 0 ? "ok" : errname(errno), si.semmap, si.semmni, si.semmns, si.semmnu,
	       si.semmsl, si.semopm, si.semume, si.semusz, si.semvmx, si.semaem);
	char buf[256];
	int fd = open("/proc/sys/kernel/sem", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n >= 0) {
		buf[n] = 0;
		printf("/proc/sys/kernel/sem: %s", buf);
	} else {
		printf("/proc/sys/kernel/sem: %s\n", errname(errno));
	}
	if (fd >= 0)
		close(fd);

	int id = semget(KEY + 2, 4, IPC_CREAT | 0604);
	FILE *f = fopen("/proc/sysvipc/sem", "r");
	if (!f) {
		printf("/proc/sysvipc/sem: %s\n", errname(errno));
	} else {
		char line[512];
		if (fgets(line, sizeof line, f))
			printf("header: %s", line);
		while (fgets(line, sizeof line, f)) {
			int key, semid;
			unsigned perms, nsems, uid, gid, cuid, cgid;
			unsigned long long otime, ctime;
			if (sscanf(line, "%d %d %o %u %u %u %u %u %llu %llu", &key, &semid, &perms,
				   &nsems, &uid, &gid, &cuid, &cgid, &otime, &ctime) != 10)
				continue;
			if (key != KEY + 2)
				continue;
			printf("line: key=%#x id_ok=%d perms=%o nsems=%u uid=%u otime=%llu ctime_set=%d "
			       "width=%zu\n",
			       key, semid == id, perms, nsems, uid, otime, ctime != 0, strlen(line));
		}
		fclose(f);
	}
	semctl(id, 0, IPC_RMID);
}

int main(void)
{
	guest_init();
	keys();
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	report("semget private", id);
	values(id);
	ops(id);
	semctl(id, 0, IPC_RMID);
	ping_pong();
	undo();
	removed();
	interrupted();
	old_layouts();
	limits();
	return 0;
}

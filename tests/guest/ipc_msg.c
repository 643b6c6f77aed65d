/*
 * SysV message queues (msgget/msgsnd/msgrcv/msgctl): keys, IPC_STAT, selection by type
 * (0, >0, <0, MSG_EXCEPT), E2BIG and MSG_NOERROR, IPC_NOWAIT (EAGAIN on a full queue,
 * ENOMSG on an empty one), a sender blocked on a full queue until its parent receives, a
 * receiver blocked until its type arrives, a blocked receiver too small for the message
 * (E2BIG, the message stays), EIDRM for a receiver when the queue is removed, EINTR for
 * one a signal interrupts (with SA_RESTART too), IPC_SET of
 * msg_qbytes, the old msqid_ds and both msgrcv forms through ipc(2), the limits (IPC_INFO,
 * /proc/sys/kernel/msg*) and /proc/sysvipc/msg. Ids and times differ from run to run: only
 * their relations are printed.
 */
#include "guestutil.h"

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY 0x766d4d01

struct m {
	long mtype;
	char text[8192];
};

static struct m buf;

static int snd(int id, long type, const char *text, int flg)
{
	struct m mm;
	mm.mtype = type;
	size_t n = strlen(text);
	memcpy(mm.text, text, n);
	return msgsnd(id, &mm, n, flg);
}

/* Receives and prints "label: type=T text" or the error. */
static void rcv(int id, const char *label, size_t size, long type, int flg)
{
	memset(&buf, 0, sizeof buf);
	ssize_t n = msgrcv(id, &buf, size, type, flg);
	if (n < 0)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: %zd type=%ld '%.*s'\n", label, n, buf.mtype, (int)n, buf.text);
}

static void stat_line(int id, const char *label)
{
	struct msqid_ds ds;
	if (msgctl(id, IPC_STAT, &ds) == -1) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	printf("%s: mode=%#o qnum=%lu cbytes=%lu qbytes=%lu lspid_me=%d lrpid_me=%d stime=%d "
	       "rtime=%d ctime=%d\n",
	       label, (unsigned)ds.msg_perm.mode, (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes,
	       ds.msg_lspid == getpid(), ds.msg_lrpid == getpid(), ds.msg_stime != 0,
	       ds.msg_rtime != 0, ds.msg_ctime != 0);
}

/* A child says it is about to block (a V on a semaphore); its parent waits for that and then
 * a while, so that the child is surely waiting before the parent goes on. */
static int handshake;

static void ready(void)
{
	struct sembuf v = {0, 1, 0};
	semop(handshake, &v, 1);
}

static void await_child(void)
{
	struct sembuf p = {0, -1, 0};
	semop(handshake, &p, 1);
	usleep(100000);
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
	int id = msgget(KEY, IPC_CREAT | IPC_EXCL | 0640);
	report("msgget key create", id);
	printf("same key again: %d\n", msgget(KEY, IPC_CREAT | 0600) == id);
	report("msgget key excl", msgget(KEY, IPC_CREAT | IPC_EXCL | 0600));
	report("msgget missing key", msgget(KEY + 1, 0));
	stat_line(id, "new queue");
	report("IPC_RMID", msgctl(id, IPC_RMID, NULL));
	report("IPC_RMID again", msgctl(id, IPC_RMID, NULL));
	report("msgsnd removed", snd(id, 1, "x", 0));
	report("msgctl bad cmd", msgctl(0, 99, NULL));
	report("msgctl negative id", msgctl(-1, IPC_STAT, NULL));
}

static void types(int id)
{
	snd(id, 5, "e", 0);
	snd(id, 3, "c", 0);
	snd(id, 1, "a", 0);
	snd(id, 2, "b", 0);
	snd(id, 1, "a2", 0);
	snd(id, 4, "d", 0);
	stat_line(id, "six queued");
	rcv(id, "type -3", 100, -3, 0);
	rcv(id, "except 5", 100, 5, MSG_EXCEPT);
	rcv(id, "type 2", 100, 2, 0);
	rcv(id, "type 0", 100, 0, 0);
	rcv(id, "type 7 nowait", 100, 7, IPC_NOWAIT);
	rcv(id, "type -1", 100, -1, 0);
	rcv(id, "type 0 again", 100, 0, 0);
	rcv(id, "empty nowait", 100, 0, IPC_NOWAIT);
	snd(id, 6, "0123456789", 0);
	rcv(id, "too small", 2, 0, IPC_NOWAIT);
	rcv(id, "noerror", 2, 0, MSG_NOERROR | IPC_NOWAIT);
	snd(id, 7, "", 0);
	rcv(id, "empty text", 100, 7, 0);
	stat_line(id, "drained");

	report("msgsnd type 0", snd(id, 0, "x", 0));
	report("msgsnd type -1", snd(id, -1, "x", 0));
	struct m mm = {1, "x"};
	report("msgsnd 8193", msgsnd(id, &mm, 8193, 0));
	report("msgsnd bad id", snd(id + 1, 1, "x", 0));
	report("msgsnd bad pointer", msgsnd(id, (void *)8, 1, 0));
	report("msgrcv size -1", msgrcv(id, &buf, (size_t)-1, 0, IPC_NOWAIT));
	report("msgrcv bad id", msgrcv(-1, &buf, 10, 0, IPC_NOWAIT));
}

static void full(int id)
{
	static struct m big;
	big.mtype = 1;
	memset(big.text, 'z', sizeof big.text);
	report("send 8192", msgsnd(id, &big, 8192, 0));
	report("send 8192 more", msgsnd(id, &big, 8192, 0));
	report("full nowait", msgsnd(id, &big, 1, IPC_NOWAIT));
	stat_line(id, "full");
	pid_t pid = fork();
	if (pid == 0) {
		ready();
		int r = snd(id, 2, "late", 0);
		printf("blocked sender: %s\n", r ? errname(errno) : "sent");
		_exit(0);
	}
	await_child();
	ssize_t n = msgrcv(id, &big, sizeof big.text, 1, 0);
	child_exit(pid, "sender child");
	printf("parent received %zd\n", n);
	stat_line(id, "after the blocked send");
	rcv(id, "the late one", 100, 2, IPC_NOWAIT);
	n = msgrcv(id, &big, sizeof big.text, 1, IPC_NOWAIT);
	printf("the other big one: %zd\n", n);
}

static void blocked_receivers(int id)
{
	pid_t pid = fork();
	if (pid == 0) {
		ready();
		rcv(id, "child type 9", 100, 9, 0);
		_exit(0);
	}
	await_child();
	snd(id, 8, "eight", 0);
	snd(id, 9, "nine", 0);
	child_exit(pid, "receiver child");
	rcv(id, "left", 100, 0, IPC_NOWAIT);

	pid = fork();
	if (pid == 0) {
		ready();
		rcv(id, "small receiver", 4, 11, 0);
		_exit(0);
	}
	await_child();
	snd(id, 11, "0123456789", 0);
	child_exit(pid, "small receiver child");
	rcv(id, "still queued", 100, 11, IPC_NOWAIT);

	/* two receivers: the first to wait takes the first message */
	pid_t a = fork();
	if (a == 0) {
		ready();
		rcv(id, "receiver a", 100, 0, 0);
		_exit(0);
	}
	await_child();
	pid_t b = fork();
	if (b == 0) {
		ready();
		rcv(id, "receiver b", 100, 0, 0);
		_exit(0);
	}
	await_child();
	snd(id, 1, "first", 0);
	child_exit(a, "receiver a");
	snd(id, 1, "second", 0);
	child_exit(b, "receiver b");
}

static void removed(void)
{
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	pid_t pid = fork();
	if (pid == 0) {
		ready();
		rcv(id, "sleeper", 100, 0, 0);
		_exit(0);
	}
	await_child();
	/* nothing printed until the sleeper is gone: it prints as it wakes */
	int r = msgctl(id, IPC_RMID, NULL);
	int e = errno;
	child_exit(pid, "sleeper");
	errno = e;
	report("IPC_RMID with a sleeper", r);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal ends a wait with EINTR, SA_RESTART or not (a handler ran: ERESTARTNOHAND). */
static void interrupted(int id)
{
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {0};
		sa.sa_handler = on_alarm;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = {{0, 0}, {0, 20000}};
		setitimer(ITIMER_REAL, &it, NULL);
		rcv(id, restart ? "msgrcv and SIGALRM (SA_RESTART)" : "msgrcv and SIGALRM", 100,
		    42, 0);
	}
	signal(SIGALRM, SIG_DFL);
}

static void set_and_old(int id)
{
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 100;
	ds.msg_perm.mode = 0600;
	report("IPC_SET qbytes 100", msgctl(id, IPC_SET, &ds));
	stat_line(id, "after IPC_SET");
	char big[101];
	memset(big, 'q', 100);
	big[100] = 0;
	report("send 100", snd(id, 1, big, IPC_NOWAIT));
	report("send 1 more", snd(id, 1, "x", IPC_NOWAIT));
	ds.msg_qbytes = 20000;
	report("IPC_SET qbytes 20000 (root)", msgctl(id, IPC_SET, &ds));
	report("send 1 now", snd(id, 1, "x", IPC_NOWAIT));

	/* ipc(2) MSGCTL without IPC_64: struct msqid_ds with 16-bit counts */
	unsigned char old[64];
	memset(old, 0xee, sizeof old);
	long r = syscall(SYS_ipc, 14, id, IPC_STAT, 0, old, 0);
	unsigned short mode, cbytes, qnum, qbytes;
	unsigned int lcbytes, lqbytes;
	memcpy(&mode, old + 12, 2);
	memcpy(&lcbytes, old + 36, 4);
	memcpy(&lqbytes, old + 40, 4);
	memcpy(&cbytes, old + 44, 2);
	memcpy(&qnum, old + 46, 2);
	memcpy(&qbytes, old + 48, 2);
	printf("old IPC_STAT: %ld mode=%#o lcbytes=%u lqbytes=%u cbytes=%u qnum=%u qbytes=%u "
	       "byte56=%#x\n",
	       r, mode, lcbytes, lqbytes, cbytes, qnum, qbytes, old[56]);
	/* msgrcv through ipc(2): version 0 passes struct ipc_kludge, version 1 the arguments */
	struct {
		void *msgp;
		long msgtyp;
	} kludge = {&buf, 1};
	r = syscall(SYS_ipc, 12, id, 200, IPC_NOWAIT, &kludge, 0);
	printf("ipc MSGRCV v0: %ld type=%ld\n", r, r > 0 ? buf.mtype : 0);
	r = syscall(SYS_ipc, 12 | (1 << 16), id, 200, IPC_NOWAIT, &buf, 1);
	printf("ipc MSGRCV v1: %ld type=%ld\n", r, r > 0 ? buf.mtype : 0);
	r = syscall(SYS_ipc, 12, id, 200, IPC_NOWAIT, 0, 0);
	printf("ipc MSGRCV v0 NULL: %s\n", r == -1 ? errname(errno) : "ok");
	r = syscall(SYS_ipc, 12 | (1 << 16), id, 200, IPC_NOWAIT, &buf, 1);
	printf("ipc MSGRCV empty: %s\n", r == -1 ? errname(errno) : "ok");
	/* the direct msgctl: IPC_64 in cmd is unknown */
	r = syscall(402, id, IPC_STAT | 0x100, &ds);
	printf("direct msgctl IPC_STAT|IPC_64: %s\n", r == -1 ? errname(errno) : "ok");
	r = syscall(402, id, IPC_STAT, &ds);
	printf("direct msgctl IPC_STAT: %ld qbytes=%lu\n", r, (unsigned long)ds.msg_qbytes);
}

static void limits(void)
{
	struct msginfo mi;
	int r = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	printf("IPC_INFO: %s msgpool=%d msgmap=%d msgmax=%d msgmnb=%d msgmni=%d msgssz=%d "
	       "msgtql=%d msgseg=%u\n",
	       r >= 0 ? "ok" : errname(errno), mi.msgpool, mi.msgmap, mi.msgmax, mi.msgmnb,
	       mi.msgmni, mi.msgssz, mi.msgtql, mi.msgseg);
	static const char *const files[] = {"/proc/sys/kernel/msgmax", "/proc/sys/kernel/msgmnb",
					    "/proc/sys/kernel/msgmni"};
	for (int i = 0; i < 3; i++) {
		char b[64];
		int fd = open(files[i], O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, b, sizeof b - 1) : -1;
		if (n >= 0) {
			b[n] = 0;
			printf("%s: %s", files[i], b);
		} else {
			printf("%s: %s\n", files[i], errname(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	int id = msgget(KEY + 2, IPC_CREAT | 0604);
	snd(id, 1, "hello", 0);
	snd(id, 2, "abc", 0);
	rcv(id, "proc rcv", 100, 2, 0);
	FILE *f = fopen("/proc/sysvipc/msg", "r");
	if (!f) {
		printf("/proc/sysvipc/msg: %s\n", errname(errno));
	} else {
		char line[512];
		if (fgets(line, sizeof line, f))
			printf("header: %s", line);
		while (fgets(line, sizeof line, f)) {
			int key, msqid;
			unsigned perms, lspid, lrpid, uid, gid, cuid, cgid;
			unsigned long cbytes, qnum;
			unsigned long long stime, rtime, ctime;
			if (sscanf(line, "%d %d %o %lu %lu %u %u %u %u %u %u %llu %llu %llu", &key,
				   &msqid, &perms, &cbytes, &qnum, &lspid, &lrpid, &uid, &gid, &cuid,
				   &cgid, &stime, &rtime, &ctime) != 14)
				continue;
			if (key != KEY + 2)
				continue;
			printf("line: key=%#x id_ok=%d perms=%o cbytes=%lu qnum=%lu lspid_me=%d "
			       "lrpid_me=%d uid=%u times_set=%d%d%d width=%zu\n",
			       key, msqid == id, perms, cbytes, qnum, lspid == (unsigned)getpid(),
			       lrpid == (unsigned)getpid(), uid, stime != 0, rtime != 0, ctime != 0,
			       strlen(line));
		}
		fclose(f);
	}
	msgctl(id, IPC_RMID, NULL);
}

int main(void)
{
	guest_init();
	handshake = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	keys();
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	report("msgget private", id);
	types(id);
	full(id);
	blocked_receivers(id);
	removed();
	interrupted(id);
	set_and_old(id);
	msgctl(id, IPC_RMID, NULL);
	limits();
	semctl(handshake, 0, IPC_RMID);
	return 0;
}

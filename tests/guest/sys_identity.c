/*
 * Process identity: getpid/gettid/getppid relations, the uid/gid family
 * (old 16-bit and 32-bit calls agree), set_tid_address returning the tid,
 * set_robust_list, getgroups. Prints relations, not values.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	pid_t pid = getpid();
	printf("pid > 0: %s\n", pid > 0 ? "yes" : "no");
	printf("gettid == getpid (one thread): %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
	printf("getppid differs from pid: %s\n", getppid() != pid ? "yes" : "no");
	int tid_slot;
	printf("set_tid_address returns the tid: %s\n", syscall(SYS_set_tid_address, &tid_slot) == pid ? "yes" : "no");
	long u32 = syscall(SYS_getuid32), u16 = syscall(SYS_getuid);
	printf("getuid32 == getuid (16-bit): %s\n", u32 == u16 ? "yes" : "no");
	printf("uid == euid: %s, gid == egid: %s\n", getuid() == geteuid() ? "yes" : "no",
	       getgid() == getegid() ? "yes" : "no");
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("getresuid all equal: %s\n", r == e && e == s ? "yes" : "no");
	gid_t gr, ge, gs;
	getresgid(&gr, &ge, &gs);
	printf("getresgid all equal: %s\n", gr == ge && ge == gs ? "yes" : "no");
	int ng = getgroups(0, NULL);
	printf("getgroups count >= 0: %s\n", ng >= 0 ? "yes" : "no");
	struct {
		void *head;
		long off;
		void *pending;
	} rl = {&rl, 0, NULL};
	printf("set_robust_list: %s\n", syscall(SYS_set_robust_list, &rl, 12) ? errname(errno) : "ok");
	printf("set_robust_list bad size: %s\n", syscall(SYS_set_robust_list, &rl, 13) ? errname(errno) : "ok");
	printf("getpgrp == getpgid(0): %s\n", getpgrp() == getpgid(0) ? "yes" : "no");
	printf("getpid is stable: %s\n", getpid() == pid ? "yes" : "no");
	printf("kill(getpid(), 0): %s\n", kill(pid, 0) ? errname(errno) : "ok");
	return 0;
}

/*
 * sigaltstack: install, query, SS_ONSTACK inside a handler that runs there,
 * the handler's frame lies inside the alternate stack, changing it while on
 * it fails (EPERM), too small a size (ENOMEM), bad flags (EINVAL), SS_DISABLE.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static char alt[65536];
static volatile int on_alt, in_range, change_err;

static void h(int sig)
{
	char local;
	stack_t cur;
	(void)sig;
	sigaltstack(NULL, &cur);
	on_alt = (cur.ss_flags & SS_ONSTACK) != 0;
	in_range = &local >= alt && &local < alt + sizeof(alt);
	stack_t n = {.ss_sp = alt, .ss_size = sizeof(alt)};
	change_err = sigaltstack(&n, NULL) ? errno : 0;
}

int main(void)
{
	guest_init();
	stack_t old, ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	printf("initial query: %s", sigaltstack(NULL, &old) ? errname(errno) : "ok");
	printf(", flags SS_DISABLE: %s\n", old.ss_flags == SS_DISABLE ? "yes" : "no");
	printf("install: %s\n", sigaltstack(&ss, NULL) ? errname(errno) : "ok");
	sigaltstack(NULL, &old);
	printf("query: size %lu, same base: %s, flags %d\n", (unsigned long)old.ss_size, old.ss_sp == alt ? "yes" : "no",
	       old.ss_flags);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("handler with SA_ONSTACK: SS_ONSTACK %s, frame inside the alt stack %s, changing it there: %s\n",
	       on_alt ? "yes" : "no", in_range ? "yes" : "no", errname(change_err));
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("handler without SA_ONSTACK: SS_ONSTACK %s, frame inside the alt stack %s\n", on_alt ? "yes" : "no",
	       in_range ? "yes" : "no");
	stack_t small = {.ss_sp = alt, .ss_size = 512};
	printf("size 512: %s\n", sigaltstack(&small, NULL) ? errname(errno) : "ok");
	stack_t bad = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0x1234};
	printf("bad flags: %s\n", sigaltstack(&bad, NULL) ? errname(errno) : "ok");
	stack_t dis = {.ss_flags = SS_DISABLE};
	printf("SS_DISABLE: %s\n", sigaltstack(&dis, NULL) ? errname(errno) : "ok");
	sigaltstack(NULL, &old);
	printf("now disabled: %s\n", old.ss_flags == SS_DISABLE ? "yes" : "no");
	printf("MINSIGSTKSZ-sized (2048): %s\n",
	       sigaltstack(&(stack_t){.ss_sp = alt, .ss_size = 2048}, NULL) ? errname(errno) : "ok");
	return 0;
}

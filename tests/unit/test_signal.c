/* Signals without a guest: frame layout and placement as i386 Linux has them, the
 * retcode bytes, queueing, masks, default actions and the exit status they give. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/signal.h"
#include "kernel/signal_frame.h"
#include "kernel/task.h"

static void test_layout(void **state)
{
	(void)state;
	/* offsets a handler (or a debugger) relies on: REG_* indices of ucontext */
	assert_int_equal(offsetof(struct sigcontext_i386, gs), 0);
	assert_int_equal(offsetof(struct sigcontext_i386, edi), 16);
	assert_int_equal(offsetof(struct sigcontext_i386, eax), 44);
	assert_int_equal(offsetof(struct sigcontext_i386, trapno), 48);
	assert_int_equal(offsetof(struct sigcontext_i386, eip), 56);
	assert_int_equal(offsetof(struct sigcontext_i386, cs), 60);
	assert_int_equal(offsetof(struct sigcontext_i386, eflags), 64);
	assert_int_equal(offsetof(struct sigcontext_i386, esp_at_signal), 68);
	assert_int_equal(offsetof(struct sigcontext_i386, fpstate), 76);
	assert_int_equal(offsetof(struct sigcontext_i386, oldmask), 80);
	assert_int_equal(offsetof(struct sigcontext_i386, cr2), 84);
	assert_int_equal(offsetof(struct ucontext_i386, uc_mcontext), 20);
	assert_int_equal(offsetof(struct ucontext_i386, uc_sigmask), 108);
	assert_int_equal(offsetof(struct rt_sigframe_i386, info), 16);
	assert_int_equal(offsetof(struct rt_sigframe_i386, retcode), 260);
	assert_int_equal(offsetof(struct sigframe_i386, sc), 8);
	assert_int_equal(offsetof(struct sigframe_i386, retcode), 724);
}

static void test_placement(void **state)
{
	(void)state;
	uint32_t fp;
	for (uint32_t sp = 0xbffff000u; sp > 0xbfffef00u; sp -= 7) {
		uint32_t f = sigframe_place(sp, sizeof(struct rt_sigframe_i386), &fp);
		/* the FXSAVE image after the fregs_state header is 64-byte aligned, and both
		 * lie below sp */
		assert_int_equal((fp + sizeof(struct fregs_state_i386)) % 64, 0);
		assert_true(fp + sizeof(struct fregs_state_i386) + 512 <= sp);
		assert_true(sp - (fp + sizeof(struct fregs_state_i386) + 512) < 64);
		assert_true(f + sizeof(struct rt_sigframe_i386) <= fp);
		/* as after a call: (esp + 4) is 16-byte aligned at the handler's entry */
		assert_int_equal((f + 4) % 16, 0);
		assert_true(fp - (f + sizeof(struct rt_sigframe_i386)) < 16);
	}
}

static void test_retcode(void **state)
{
	(void)state;
	uint8_t b[8];
	sigframe_retcode(b, 0);
	const uint8_t legacy[8] = {0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80};
	assert_memory_equal(b, legacy, 8);
	sigframe_retcode(b, 1);
	const uint8_t rt[8] = {0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0};
	assert_memory_equal(b, rt, 8);
}

static int setup(void **state)
{
	struct task *t = calloc(1, sizeof(*t));
	t->pid = t->tgid = 1000;
	if (signal_init(t))
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct task *t = *state;
	signal_free(t);
	free(t);
	return 0;
}

static void test_default_term(void **state)
{
	struct task *t = *state;
	assert_int_equal(send_sig(t, SIGTERM, 0), 0);
	assert_true(signal_pending(t));
	do_signal(t);
	assert_true(t->exited);
	assert_int_equal(t->exit_signal, SIGTERM);
	assert_int_equal(t->exit_code, 128 + SIGTERM);
}

static void test_ignored_and_blocked(void **state)
{
	struct task *t = *state;
	/* default-ignored and SIG_IGN signals are dropped when sent */
	assert_int_equal(send_sig(t, SIGCHLD, 0), 0);
	assert_false(signal_pending(t));
	t->signal->sighand->action[SIGUSR1].handler = 1;
	send_sig(t, SIGUSR1, 0);
	assert_int_equal(t->signal->pending, 0);
	/* a blocked signal stays queued until unblocked */
	t->signal->sighand->action[SIGUSR1].handler = 0;
	t->signal->blocked = SIGBIT(SIGUSR2);
	send_sig(t, SIGUSR2, 0);
	assert_int_equal(t->signal->pending, SIGBIT(SIGUSR2));
	assert_false(signal_pending(t));
	do_signal(t);
	assert_false(t->exited);
	t->signal->blocked = 0;
	do_signal(t);
	assert_true(t->exited);
	assert_int_equal(t->exit_code, 128 + SIGUSR2);
	assert_int_equal(send_sig(t, 65, 0), -22);
	assert_int_equal(send_sig(t, 0, 0), 0);
}

static void test_job_control(void **state)
{
	struct task *t = *state;
	/* SIGCONT's default action: it continues (nothing stopped here) and is not queued */
	send_sig(t, SIGCONT, 0);
	assert_int_equal(t->signal->pending, 0);
	/* a stop signal and SIGCONT discard each other when sent, blocked or not */
	t->signal->sighand->action[SIGCONT].handler = 0x8048000;
	t->signal->blocked = SIGBIT(SIGTSTP) | SIGBIT(SIGCONT);
	send_sig(t, SIGTSTP, 0);
	assert_int_equal(t->signal->pending, SIGBIT(SIGTSTP));
	send_sig(t, SIGCONT, 0);
	assert_int_equal(t->signal->pending, SIGBIT(SIGCONT));
	send_sig(t, SIGTTOU, 0);
	assert_int_equal(t->signal->pending, SIGBIT(SIGTTOU)); /* SIGCONT went */
	t->signal->pending = 0;
	t->signal->blocked = 0;
	t->signal->sighand->action[SIGCONT].handler = 0;
	/* a task alone (no process tree) is an orphaned group: SIGTSTP is discarded */
	send_sig(t, SIGTSTP, 0);
	do_signal(t);
	assert_false(t->jobctl_stopped);
	assert_false(t->exited);
	/* SIGSTOP always stops: the group is stopped with the code wait reports */
	send_sig(t, SIGSTOP, 0);
	do_signal(t);
	assert_true(t->jobctl_stopped);
	assert_true(t->group_stopped);
	assert_int_equal(t->group_stop_code, SIGSTOP);
	assert_false(t->exited);
	/* SIGCONT continues it; wait(WCONTINUED) and the parent's CLD_CONTINUED follow */
	send_sig(t, SIGCONT, 0);
	assert_false(t->jobctl_stopped);
	assert_false(t->group_stopped);
	assert_int_equal(t->group_stop_code, 0);
	assert_true(t->stop_continued);
	assert_true(signal_work_pending(t));
	do_signal(t);
	assert_false(signal_work_pending(t));
}

static void test_sighand_sharing(void **state)
{
	struct task *t = *state;
	struct task c = {.pid = 1001, .tgid = 1001};
	struct task d = {.pid = 1002, .tgid = 1002};
	struct signal_struct cs = *t->signal, ds = *t->signal;
	c.signal = &cs;
	d.signal = &ds;
	/* CLONE_SIGHAND: one table; without it a copy */
	assert_int_equal(copy_sighand(&c, t, true), 0);
	assert_int_equal(copy_sighand(&d, t, false), 0);
	assert_ptr_equal(cs.sighand, t->signal->sighand);
	assert_int_equal(t->signal->sighand->count, 2);
	assert_int_equal(ds.sighand->count, 1);
	cs.sighand->action[SIGUSR1].handler = 0x8048000;
	assert_int_equal(t->signal->sighand->action[SIGUSR1].handler, 0x8048000);
	assert_int_equal(ds.sighand->action[SIGUSR1].handler, 0);
	/* execve's unshare_sighand: a private copy, the other keeps the shared one */
	assert_int_equal(unshare_sighand(&c), 0);
	assert_ptr_not_equal(cs.sighand, t->signal->sighand);
	assert_int_equal(t->signal->sighand->count, 1);
	assert_int_equal(cs.sighand->action[SIGUSR1].handler, 0x8048000);
	assert_int_equal(unshare_sighand(&c), 0); /* alone already: nothing to do */
	free(cs.sighand);
	free(ds.sighand);
}

static void test_fault_cannot_be_blocked(void **state)
{
	struct task *t = *state;
	/* force_sig_fault unblocks and resets a blocked fault signal, as Linux does */
	t->signal->blocked = SIGBIT(SIGSEGV);
	t->signal->sighand->action[SIGSEGV].handler = 0x8048000;
	force_sig_fault(t, SIGSEGV, 1, 0x1234);
	assert_int_equal(t->signal->blocked, 0);
	assert_int_equal(t->signal->sighand->action[SIGSEGV].handler, 0);
	assert_int_equal(t->signal->info[SIGSEGV].si_code, 1);
	assert_int_equal(t->signal->info[SIGSEGV].u[0], 0x1234);
	/* synchronous faults are delivered before lower-numbered pending signals */
	t->signal->sighand->action[SIGHUP].handler = 0;
	send_sig(t, SIGHUP, 0);
	do_signal(t);
	assert_int_equal(t->exit_signal, SIGSEGV);
	assert_int_equal(t->exit_code, 139);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(signal_name(SIGSYS), "SIGSYS");
	assert_string_equal(signal_name(34), "SIGRT2");
}

/* #NP and #SS: SIGBUS with SI_KERNEL and the trap in the sigcontext fields; the default
 * action ends the task with 128 + SIGBUS */
static void test_segment_faults_are_sigbus(void **state)
{
	struct task *t = *state;
	force_sig_fault_trap(t, SIGBUS, SI_KERNEL, 0, 11 /* #NP */, 0x4, 0);
	assert_true(signal_pending(t));
	assert_int_equal(t->signal->info[SIGBUS].si_code, SI_KERNEL);
	assert_int_equal(t->signal->trap_nr, 11);
	assert_int_equal(t->signal->error_code, 0x4);
	do_signal(t);
	assert_true(t->exited);
	assert_int_equal(t->exit_code, 128 + SIGBUS);
}

/* a bad sigreturn frame: SIGSEGV SI_KERNEL, catchable, the trap fields left alone */
static void test_bad_frame(void **state)
{
	struct task *t = *state;
	t->signal->trap_nr = 14;
	t->signal->sighand->action[SIGSEGV].handler = 0x1000;
	force_sig_bad_frame(t);
	assert_int_equal(t->signal->info[SIGSEGV].si_code, SI_KERNEL);
	assert_int_equal(t->signal->trap_nr, 14);
	assert_int_equal(t->signal->sighand->action[SIGSEGV].handler, 0x1000);
	t->signal->sighand->action[SIGSEGV].handler = 0;
	do_signal(t);
	assert_int_equal(t->exit_code, 128 + SIGSEGV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_retcode),
		cmocka_unit_test_setup_teardown(test_default_term, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_and_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_cannot_be_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sighand_sharing, setup, teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_segment_faults_are_sigbus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frame, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

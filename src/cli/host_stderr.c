/*
 * The guest's descriptor 2 is a duplicate of vmlab's own stderr: one open file description,
 * whose status flags fcntl(F_SETFL) changes for both. vmlab writes its reports only while
 * the guest is stopped, so clearing the flags that break plain writes for the length of a
 * write, then putting them back, leaves the guest's view as it made it.
 */
#include "cli/host_stderr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static ssize_t write_stderr(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	int fl = fcntl(STDERR_FILENO, F_GETFL);
	int bad = fl < 0 ? 0 : fl & (O_NONBLOCK | O_DIRECT);
	if (bad)
		fcntl(STDERR_FILENO, F_SETFL, fl & ~bad);
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(STDERR_FILENO, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (bad)
		fcntl(STDERR_FILENO, F_SETFL, fl);
	return done || !n ? (ssize_t)done : -1;
}

void host_stderr_protect(void)
{
	cookie_io_functions_t io = {.write = write_stderr};
	FILE *f = fopencookie(NULL, "w", io);
	if (!f)
		return; /* the plain stream still works until a guest changes the flags */
	setvbuf(f, NULL, _IONBF, 0);
	stderr = f;
}

/*
 * Exit status: exit(300) is reported as 300 & 0xff = 44; atexit handlers
 * run in reverse order and stdio is flushed by exit().
 * Authoritative golden: both.
 */
#include <stdio.h>
#include <stdlib.h>

static void a(void)
{
	printf("atexit a\n");
}
static void b(void)
{
	printf("atexit b\n");
}

int main(void)
{
	atexit(a);
	atexit(b);
	printf("buffered line flushed by exit\n");
	exit(300);
}

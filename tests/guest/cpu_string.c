/* String and memory functions of glibc (its i686 non-SSE variants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static char buf[8192], buf2[8192];
	for (int k = 0; k < 8191; k++)
		buf[k] = (char)('a' + (k * 7) % 26);
	buf[8191] = 0;
	printf("strlen %zu\n", strlen(buf));
	for (int off = 0; off < 8; off++) {
		memset(buf2, 0, sizeof(buf2));
		memcpy(buf2 + off, buf + 3, 1000 + off);
		printf("memcpy off %d: %.20s cmp %d\n", off, buf2 + off, memcmp(buf2 + off, buf + 3, 1000 + off));
	}
	memmove(buf + 10, buf, 3000);
	printf("memmove fwd %.30s\n", buf);
	memmove(buf, buf + 17, 3000);
	printf("memmove back %.30s\n", buf);
	memset(buf + 100, 'Z', 37);
	printf("memset %.50s\n", buf + 90);
	char s[200] = "the quick brown fox jumps over the lazy dog";
	printf("strchr %s\n", strchr(s, 'q'));
	printf("strrchr %s\n", strrchr(s, 'o'));
	printf("strstr %s\n", strstr(s, "fox"));
	printf("strcmp %d %d %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("x", "x"));
	printf("strncmp %d\n", strncmp("hello", "help", 3));
	strcat(s, " again");
	printf("strcat %s\n", s);
	char *tok = strtok(s, " ");
	while (tok) {
		printf("[%s]", tok);
		tok = strtok(NULL, " ");
	}
	printf("\n");
	char out[100];
	snprintf(out, sizeof out, "%5d|%-5d|%05x|%s|%c|%%", 42, -7, 255, "str", 'Q');
	printf("snprintf %s\n", out);
	printf("strspn %zu strcspn %zu\n", strspn("aaabbbccc", "ab"), strcspn("hello world", " "));
	char *d = strdup("duplicate me");
	printf("strdup %s %zu\n", d, strlen(d));
	free(d);
	printf("memchr %s\n", (char *)memchr("find the x here", 'x', 15));
	return 0;
}

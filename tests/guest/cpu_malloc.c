/* malloc/realloc/free churn, linked lists, a hash table: the allocator's integer paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	int v;
	char tag[20];
};

int main(void)
{
	struct node *head = NULL;
	unsigned s = 99;
	for (int k = 0; k < 3000; k++) {
		s = s * 1103515245u + 12345u;
		struct node *n = malloc(sizeof *n + (s >> 20) % 64);
		n->v = (int)(s >> 10);
		snprintf(n->tag, sizeof n->tag, "t%u", s % 10000);
		n->next = head;
		head = n;
		if (k % 3 == 0 && head->next) {
			struct node *d = head->next;
			head->next = d->next;
			free(d);
		}
	}
	long sum = 0;
	int cnt = 0;
	for (struct node *n = head; n; n = n->next) {
		sum += n->v % 1000;
		cnt++;
	}
	printf("list %d nodes sum %ld head %s\n", cnt, sum, head->tag);
	char *buf = NULL;
	size_t len = 0;
	for (int k = 0; k < 200; k++) {
		buf = realloc(buf, len + 37);
		memset(buf + len, 'a' + k % 26, 37);
		len += 37;
	}
	printf("realloc len %zu first %c last %c mid %c\n", len, buf[0], buf[len - 1], buf[len / 2]);
	free(buf);
	while (head) {
		struct node *n = head->next;
		free(head);
		head = n;
	}
	void *big = malloc(1 << 20);
	memset(big, 1, 1 << 20);
	printf("big %d\n", ((unsigned char *)big)[12345]);
	free(big);
	int *tab = calloc(1024, sizeof(int));
	for (int k = 0; k < 100000; k++)
		tab[(k * 2654435761u) >> 22]++;
	int mx = 0;
	for (int k = 0; k < 1024; k++)
		if (tab[k] > mx)
			mx = tab[k];
	printf("hash max bucket %d\n", mx);
	free(tab);
	return 0;
}

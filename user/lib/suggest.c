// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The closest known name to a typo (see suggest.h). */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAX_LEN	64	/* names are short; longer words get no suggestion */

static int same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

unsigned int suggest_distance(const char *a, const char *b)
{
	unsigned int rows[3][SUGGEST_MAX_LEN + 1];
	unsigned int *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int d = prev[j - 1] + !same(a[i - 1], b[j - 1]);

			d = min_u(d, min_u(prev[j], cur[j - 1]) + 1);
			/* prev2 is row i - 2, written once i > 1 */
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
				d = min_u(d, prev2[j - 2] + 1);
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void suggest_init(struct suggest *s, const char *word)
{
	size_t third = (strlen(word) + 2) / 3;

	s->word = word;
	s->best = NULL;
	/* A typo is a few edits, and fewer in a short word: at most a third
	 * of its length (rounded up) and at most 3. Beyond that the closest
	 * name is a guess: "ls" is not a typo of "dns". */
	s->dist = (third < 3 ? third : 3) + 1;
}

void suggest_add(struct suggest *s, const char *name)
{
	unsigned int d = suggest_distance(s->word, name);

	if (d < s->dist) {
		s->dist = d;
		s->best = name;
	}
}

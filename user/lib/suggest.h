/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * "Did you mean": of the names a program knows (commands, options, manifest
 * keys), the one closest to what was typed, when it is close enough to be
 * a typo of it. Distance is Damerau-Levenshtein (optimal string alignment:
 * insert, delete, substitute, or swap two neighbours), letter case ignored.
 *
 *	struct suggest s;
 *
 *	suggest_init(&s, typed);
 *	for (i = 0; i < n; i++)
 *		suggest_add(&s, names[i]);
 *	if (s.best)
 *		... "did you mean '%s'?", s.best
 */
#ifndef ENFORCER_SUGGEST_H
#define ENFORCER_SUGGEST_H

struct suggest {
	const char *word;	/* what was typed */
	const char *best;	/* the closest name so far, or NULL */
	unsigned int dist;	/* its distance; names at this distance or more lose */
};

void suggest_init(struct suggest *s, const char *word);
/* Offers one known name; the first of equally close names wins. */
void suggest_add(struct suggest *s, const char *name);

/* Edits from a to b (UINT_MAX for names over 64 characters). */
unsigned int suggest_distance(const char *a, const char *b);

#endif /* ENFORCER_SUGGEST_H */
